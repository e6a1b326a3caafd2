"""Typed settings of the API, from the environment (prefix ``MAGNETLINE_API_``)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiSettings"]


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAGNETLINE_API_", extra="forbid")

    dsn: str | None = Field(default=None, description="Default: MAGNETLINE_DSN, else embedded")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    ssl_certfile: Path | None = Field(
        default=None, description="Serve HTTPS with this certificate (PEM); with ssl_keyfile"
    )
    ssl_keyfile: Path | None = Field(default=None, description="The certificate's key (PEM)")
    statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)
    pool_max_size: int = Field(default=8, ge=1, le=100)
    max_readings_per_request: int = Field(default=10_000, ge=1, le=1_000_000)
    max_range_days: float = Field(default=31.0, gt=0)
    max_tags_per_request: int = Field(default=100, ge=1, le=10_000)
    max_latest_tags: int = Field(default=5_000, ge=1, le=100_000)
    max_points_per_request: int = Field(default=100_000, ge=10, le=10_000_000)
    max_export_rows: int = Field(default=1_000_000, ge=1, le=50_000_000)
    plant_timezone: str = Field(default="Asia/Kolkata", description="IANA zone for days, shifts")
    shift_starts: list[dt.time] = Field(
        default=[dt.time(6), dt.time(14), dt.time(22)], description="Local shift start times"
    )
    state_tag_name: str = Field(default="State", description="Name of equipment state tags")
    down_states: list[str] = Field(default=["down"], description="States counted as downtime")
    running_states: list[str] = Field(default=["running"], description="States counted as up")
    stale_factor: float = Field(default=3.0, gt=0, description="Stale past N expected intervals")
    latest_cache_s: float = Field(default=1.0, ge=0, description="Snapshot age; 0: no cache")
    aggregate_cache_mb: float = Field(
        default=64.0, ge=0, description="Memory for final roll-up buckets; 0: no cache"
    )
    latest_lookback_days: float = Field(default=31.0, gt=0, description="Latest looks this far")
    hold_days: float = Field(default=7.0, gt=0, description="Interpolation looks this far")
    max_body_bytes: int = Field(
        default=1_000_000, ge=1_000, le=100_000_000,
        description="Largest request body; a larger one is refused (413) before it is read",
    )  # fmt: skip
    stream_poll_s: float = Field(default=1.0, gt=0, le=60)
    stream_max_s: float = Field(default=3600.0, gt=0)
    stream_max_per_key: int = Field(
        default=10, ge=1, le=10_000, description="Live streams one key may hold (then 429)"
    )
    stream_max_total: int = Field(
        default=200, ge=1, le=100_000, description="Live streams in all (then 503)"
    )
    max_lineage_depth: int = Field(default=10, ge=1, le=100)
    key_cache_s: float = Field(
        default=30.0, ge=0, le=3600, description="Verified keys kept this long; a revocation "
        "takes effect within it. 0: look every request's key up"
    )  # fmt: skip
    cors_origins: list[str] = Field(
        default=[], description="Browser origins allowed to call the API; none by default"
    )
    twin_workers: int = Field(
        default=min(4, os.cpu_count() or 1), ge=1, le=64, description="Twin runs at once"
    )
    twin_queue_timeout_s: float = Field(
        default=10.0, ge=0, le=600, description="Wait for a free twin worker, then 429"
    )
    twin_max_samples: int = Field(default=5000, ge=1, le=100_000)
    twin_max_horizon_days: int = Field(default=3650, ge=1, le=3650)
    twin_max_replications: int = Field(default=48, ge=1, le=1000)
    twin_max_sweep_points: int = Field(default=24, ge=1, le=400)
    twin_max_sample_days: int = Field(
        default=20_000_000, ge=1, description="Samples × simulated days one request may ask for"
    )

    @model_validator(mode="after")
    def _tls_is_whole(self) -> ApiSettings:
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        for path in (self.ssl_certfile, self.ssl_keyfile):
            if path is not None and not path.is_file():
                raise ValueError(f"{path}: no such file")
        return self

    @field_validator("plant_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("shift_starts")
    @classmethod
    def _sorted_shifts(cls, value: list[dt.time]) -> list[dt.time]:
        if not value or sorted(set(value)) != value:
            raise ValueError("shift_starts must be a non-empty, increasing list of times")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.plant_timezone)
