"""Typed settings of the API, from the environment (prefix ``MAGNETLINE_API_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiSettings"]


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAGNETLINE_API_", extra="forbid")

    dsn: str | None = Field(default=None, description="Default: MAGNETLINE_DSN, else embedded")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)
    pool_max_size: int = Field(default=8, ge=1, le=100)
    max_readings_per_request: int = Field(default=10_000, ge=1, le=1_000_000)
    max_range_days: float = Field(default=31.0, gt=0)
