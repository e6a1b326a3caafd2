"""The asset tree: line / stage / equipment, from the tags' OPC UA browse paths."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import Conn
from api.errors import ERROR_RESPONSES
from store import queries

router = APIRouter(tags=["assets"], responses=ERROR_RESPONSES)


class Equipment(BaseModel):
    name: str = Field(description="Empty when tags sit directly under the stage")
    tag_count: int
    units: list[str]


class Stage(BaseModel):
    name: str
    tag_count: int
    equipment: list[Equipment]


class Line(BaseModel):
    name: str
    tag_count: int
    stages: list[Stage]


def _tree(rows: list[dict]) -> list[Line]:
    lines: dict[str, dict[str, list[Equipment]]] = {}
    for row in rows:
        stages = lines.setdefault(row["line"], {})
        units = sorted(row["units"] or [])
        stages.setdefault(row["stage"], []).append(
            Equipment(name=row["equipment"], tag_count=row["tag_count"], units=units)
        )
    return [
        Line(
            name=line,
            tag_count=sum(e.tag_count for eqs in stages.values() for e in eqs),
            stages=[
                Stage(name=s, tag_count=sum(e.tag_count for e in eqs), equipment=eqs)
                for s, eqs in stages.items()
            ],
        )
        for line, stages in lines.items()
    ]


@router.get("/assets", response_model=list[Line])
async def assets(conn: Conn) -> list[Line]:
    """Lines, their stages and equipment, with tag counts and the units recorded there."""
    return _tree(await queries.asset_rows(conn))
