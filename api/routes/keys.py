"""API keys over HTTP, for admin keys: create (the key is in the answer, once), list, revoke."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Conn
from api.errors import BODY_RESPONSES, ERROR_RESPONSES, NotFound
from api.keys import Role
from api.keys import create_key as issue_and_store_key
from store import keys as key_table

router = APIRouter(prefix="/keys", tags=["keys"], responses={**BODY_RESPONSES, **ERROR_RESPONSES})


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Who or what uses the key")
    role: Role


class KeyInfo(BaseModel):
    key_id: str
    name: str
    role: Role
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None = Field(
        description="Last use, exact to the API's key cache period"
    )


class CreatedKey(KeyInfo):
    key: str = Field(description="The key itself: shown only in this answer, never stored")


@router.get("", response_model=list[KeyInfo])
async def list_keys(conn: Conn) -> list[KeyInfo]:
    """Every key (revoked ones too) with its role and last use; never the key itself."""
    return [KeyInfo(**row) for row in await key_table.list_keys(conn)]


@router.post("", response_model=CreatedKey, status_code=201)
async def create_key(body: NewKey, conn: Conn) -> CreatedKey:
    """A new key with a role; the answer is the only place the key ever appears."""
    row, token = await issue_and_store_key(conn, body.name, body.role.value)
    return CreatedKey(**row, key=token)


@router.delete("/{key_id}", response_model=KeyInfo)
async def revoke_key(
    conn: Conn, key_id: Annotated[str, Path(max_length=64, description="The key's id")]
) -> KeyInfo:
    """Revoke a key; API processes refuse it within their key cache period."""
    row = await key_table.revoke_key(conn, key_id)
    if row is None:
        raise NotFound(f"no key with id {key_id!r}")
    return KeyInfo(**row)
