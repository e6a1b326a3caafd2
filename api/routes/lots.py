"""Lots and their genealogy (oxide → alloy → sinter load → magnetized lot), with yields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from api.deps import Conn, Settings
from api.errors import ERROR_RESPONSES, InvalidRequest, NotFound
from api.genealogy import lot_yield, mass_balance, stage_totals
from store import queries

router = APIRouter(tags=["lots"], responses=ERROR_RESPONSES)


class Lot(BaseModel):
    lot_id: str
    stage: str
    equipment: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    mass_in_kg: float | None
    mass_out_kg: float | None
    yield_: float | None = Field(alias="yield", description="mass_out / mass_in")
    properties: dict[str, Any]
    endpoint: str | None
    recorded_at: dt.datetime

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class MassBalance(BaseModel):
    parents_recorded: int
    parents_out_kg: float | None
    mass_in_kg: float | None
    balance_kg: float | None = Field(description="parents_out_kg − mass_in_kg")


class Edge(BaseModel):
    lot_id: str
    parent_lot_id: str
    depth: int


class StageTotal(BaseModel):
    stage: str
    lots: int
    mass_in_kg: float
    mass_out_kg: float
    yield_: float | None = Field(alias="yield")

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class LotDetail(BaseModel):
    lot: Lot
    parents: list[Lot] = Field(description="Recorded parent lots")
    unrecorded_parents: list[str]
    children: list[str]
    mass_balance: MassBalance


class Genealogy(BaseModel):
    lot: Lot
    mass_balance: MassBalance
    lots: list[Lot] = Field(description="Every recorded lot of the walked graph")
    edges: list[Edge] = Field(description="Parent links, depth counted from the lot")
    unrecorded: list[str] = Field(description="Parents named by a link but not recorded")
    stages: list[StageTotal]


def _lot(row: dict[str, Any]) -> Lot:
    return Lot(**row, yield_=lot_yield(row))


@router.get("/lots", response_model=list[Lot])
async def list_lots(
    conn: Conn,
    stage: str | None = None,
    equipment: str | None = None,
    start: Annotated[AwareDatetime | None, Query(description="Started at or after")] = None,
    end: Annotated[AwareDatetime | None, Query(description="Started before")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Lot]:
    """Lots, newest first, with masses and yield."""
    if start and end and end <= start:
        raise InvalidRequest("end must be after start")
    filters = {"stage": stage, "equipment": equipment, "start": start, "end": end}
    return [_lot(row) for row in await queries.lots(conn, filters, limit, offset)]


async def _one(conn: Conn, lot_id: str) -> dict[str, Any]:
    found = await queries.lots_by_id(conn, [lot_id])
    if not found:
        raise NotFound(f"no lot {lot_id!r}", {"lot_id": lot_id})
    return found[0]


@router.get("/lots/{lot_id}", response_model=LotDetail)
async def get_lot(conn: Conn, lot_id: str) -> LotDetail:
    """One lot with its parents, children, yield and mass balance."""
    lot = await _one(conn, lot_id)
    up = await queries.lot_edges(conn, lot_id, "up", 1)
    down = await queries.lot_edges(conn, lot_id, "down", 1)
    parent_ids = sorted(e["parent_lot_id"] for e in up)
    parents = await queries.lots_by_id(conn, parent_ids)
    return LotDetail(
        lot=_lot(lot),
        parents=[_lot(p) for p in parents],
        unrecorded_parents=sorted(set(parent_ids) - {p["lot_id"] for p in parents}),
        children=sorted(e["lot_id"] for e in down),
        mass_balance=MassBalance(**mass_balance(lot, parents)),
    )


@router.get("/lots/{lot_id}/genealogy", response_model=Genealogy)
async def genealogy(
    conn: Conn,
    settings: Settings,
    lot_id: str,
    direction: Literal["up", "down", "both"] = "both",
    depth: Annotated[int | None, Query(ge=1, description="Links to walk; default the max")] = None,
) -> Genealogy:
    """The lot, its ancestors and/or descendants, each lot's yield, and per-stage totals."""
    depth = depth or settings.max_lineage_depth
    if depth > settings.max_lineage_depth:
        raise InvalidRequest(f"depth is at most {settings.max_lineage_depth}")
    lot = await _one(conn, lot_id)
    edges = []
    for way in ("up", "down") if direction == "both" else (direction,):
        edges += await queries.lot_edges(conn, lot_id, way, depth)
    ids = {lot_id} | {e["lot_id"] for e in edges} | {e["parent_lot_id"] for e in edges}
    rows = {row["lot_id"]: row for row in await queries.lots_by_id(conn, sorted(ids))}
    parents = [rows[e["parent_lot_id"]] for e in edges
               if e["lot_id"] == lot_id and e["parent_lot_id"] in rows]  # fmt: skip
    return Genealogy(
        lot=_lot(lot),
        mass_balance=MassBalance(**mass_balance(lot, parents)),
        lots=[_lot(row) for row in rows.values()],
        edges=[Edge(**e) for e in edges],
        unrecorded=sorted(ids - set(rows)),
        stages=[StageTotal(**s) for s in stage_totals(list(rows.values()))],
    )
