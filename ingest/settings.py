"""Typed settings of the ingest service: a TOML file, then environment, then the command line.

A minimal file::

    [[endpoint]]
    url = "opc.tcp://127.0.0.1:4840/"

    [writer]
    batch_size = 5000
    flush_interval_s = 0.5

What an endpoint records (ingest.opcua.discovery, ingest.opcua.hierarchy):

- **Namespaces.** Every namespace the server has but OPC UA's own (index 0,
  ``http://opcfoundation.org/UA/``) is browsed from Objects; ``namespaces = ["urn:plant"]``
  browses only those (``namespace_uri = "urn:plant"``, from older files, means the same). A
  node is followed only if its own namespace is browsed, so the Server object (namespace 0)
  and the diagnostics a server keeps under it (node-opcua's, in its own namespace) are never
  recorded. Each tag is keyed by its own namespace's URI, ``nsu=<uri>;<id>``, never by the
  index. ``include`` and ``exclude`` globs leave out whatever else is not plant data.
- **Stage and equipment** come from the browse path under Objects. ``levels`` names its
  elements from the top, default ``["line", "stage", "equipment"]`` (only ``stage`` and
  ``equipment`` are stored; any other name is a level that is skipped). A variable at least
  as deep as the levels takes them in order and the rest of its path, joined by ``.``, is
  its name: ``Line1/Sintering/Furnace1/Zone1Temperature`` is stage Sintering, equipment
  Furnace1. A shallower variable's parent takes the last level and the elements above its
  parent the levels from the top: ``Boiler1/Temperature`` is equipment Boiler1, no stage;
  ``PlantA/Boiler1/Temperature`` is line PlantA, equipment Boiler1. Where the tree does not
  say, ``[[endpoint.assets]]`` entries set them by browse-path glob, the first match
  winning; a key left out keeps the tree's value, ``""`` means none::

      [[endpoint.assets]]
      path = "PlantA/Area1/*"
      stage = "Sintering"
      equipment = "Furnace1"

  Explicit ``nodes`` have their browse name as their path.

Environment variables ``MAGNETLINE_INGEST_<KEY>`` override top-level keys
(``MAGNETLINE_INGEST_DSN``) and ``MAGNETLINE_INGEST_FORECAST_<KEY>`` the keys of
``[forecast]`` (``MAGNETLINE_INGEST_FORECAST_INTERVAL_S``); ``MAGNETLINE_DSN`` is the
database everywhere in the project.
Every mistake is reported as one line naming the key and the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from asyncua import ua
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ingest.errors import ConfigError

__all__ = [
    "LEVELS",
    "AssetSettings",
    "EndpointSettings",
    "ForecastSettings",
    "IngestSettings",
    "RetentionSettings",
    "RollupSettings",
    "SubscriptionSettings",
    "WriterSettings",
    "load",
]

ENV_PREFIX = "MAGNETLINE_INGEST_"
LEVELS = ("line", "stage", "equipment")
"""What the browse-path elements under Objects are, unless an endpoint says (``levels``)."""
PositiveSeconds = Annotated[float, Field(gt=0, le=3600)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeadbandSettings(_Strict):
    """Report a change only when it moves more than this (OPC UA DataChangeFilter)."""

    type: Literal["absolute", "percent"]
    value: float = Field(gt=0, description="In the tag's unit, or % of its EURange")


class AssetSettings(_Strict):
    """Stage and equipment of the variables under a browse path, over what the tree says."""

    path: str = Field(description="Browse-path glob, as in include (PlantA/Area1/*)")
    stage: str | None = Field(default=None, description='Default: from the tree; "": none')
    equipment: str | None = Field(default=None, description='Default: from the tree; "": none')

    @model_validator(mode="after")
    def _sets_something(self) -> AssetSettings:
        if self.stage is None and self.equipment is None:
            raise ValueError("give stage, equipment or both")
        return self


class EndpointSettings(_Strict):
    """One OPC UA server to record."""

    url: str
    name: str | None = Field(default=None, description="Label in logs and health; default: url")
    namespaces: list[str] = Field(
        default=[], description="Namespace URIs to browse; default: all but OPC UA's own"
    )
    levels: list[str] = Field(
        default=list(LEVELS), description="What the browse-path elements under Objects are"
    )
    assets: list[AssetSettings] = Field(
        default=[], description="Stage and equipment by browse-path glob, over the tree's"
    )
    browse: bool = Field(default=True, description="Record browsed variables (else only `nodes`)")
    include: list[str] = Field(
        default=["*"], description="Browse-path globs (Line1/Sintering/*) of variables to record"
    )
    exclude: list[str] = Field(default=[], description="Browse-path globs to leave out")
    nodes: list[str] = Field(default=[], description="Explicit node ids, nsu=<uri>;s=<id>")
    deadband: DeadbandSettings | None = None
    backfill_overlap_s: float = Field(
        default=300.0,
        ge=0,
        le=86_400,
        description="Data time before a gap read again from history, to catch values in flight",
    )
    quarantine_retry_s: float = Field(
        default=60.0, gt=0, le=86_400, description="Try failed nodes again this often"
    )
    rebrowse_interval_s: float = Field(
        default=300.0, ge=0, le=86_400, description="Look for new nodes this often; 0: never"
    )
    security_policy: Literal["None", "Basic256Sha256"] = "None"
    security_mode: Literal["None", "Sign", "SignAndEncrypt"] = "None"
    certificate: Path | None = Field(default=None, description="Client certificate (PEM/DER)")
    private_key: Path | None = Field(default=None, description="Its private key (PEM)")
    pki_dir: Path | None = Field(
        default=None,
        description="own/, trusted/certs/, rejected/certs/; default: the global pki_dir",
    )
    trust_on_first_use: bool = Field(
        default=False,
        description="Trust the first server certificate seen; default: the global setting",
    )
    username: str | None = None
    password: str | None = None
    events: bool = Field(default=True, description="Record the server's OPC UA events")
    lot_variable: str = Field(
        default="LastLot", description="Browse name of the string variables that publish lots"
    )
    future_tolerance_s: float = Field(
        default=5.0,
        ge=0,
        le=86_400,
        description="Flag a source timestamp this far ahead of its receipt (a plant clock ahead)",
    )

    @field_validator("url")
    @classmethod
    def _opc_tcp(cls, url: str) -> str:
        if not url.startswith("opc.tcp://"):
            raise ValueError("must start with opc.tcp://")
        return url

    @model_validator(mode="before")
    @classmethod
    def _namespace_uri_is_one_namespace(cls, raw: object) -> object:
        """``namespace_uri = "<uri>"`` (files older than ``namespaces``) browses that one."""
        if not isinstance(raw, dict) or "namespace_uri" not in raw:
            return raw
        raw = dict(raw)
        uri = raw.pop("namespace_uri")
        if "namespaces" in raw:
            raise ValueError("namespace_uri and namespaces both given; keep namespaces")
        if not isinstance(uri, str):
            raise ValueError("namespace_uri is one URI; list several in namespaces")
        return {**raw, "namespaces": [uri]}

    @field_validator("namespaces", "levels")
    @classmethod
    def _named_once(cls, names: list[str]) -> list[str]:
        if any(not name.strip() for name in names):
            raise ValueError("an empty name")
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"{twice[0]!r} is listed twice")
        return names

    @field_validator("nodes")
    @classmethod
    def _namespace_uri_ids(cls, nodes: list[str]) -> list[str]:
        for key in nodes:
            try:
                parsed = ua.NodeId.from_string(key)
            except (ValueError, ua.UaStringParsingError) as exc:
                raise ValueError(f"{key!r} is not a node id") from exc
            if not getattr(parsed, "NamespaceUri", None):
                raise ValueError(f"{key!r}: give the namespace URI (nsu=<uri>;s=<id>), not ns=")
        if len(set(nodes)) != len(nodes):
            raise ValueError("a node id is listed twice")
        return nodes

    @model_validator(mode="after")
    def _security_is_whole(self) -> EndpointSettings:
        if (self.security_policy == "None") != (self.security_mode == "None"):
            raise ValueError("security_policy and security_mode are both None or both set")
        if (self.certificate is None) != (self.private_key is None):
            raise ValueError("certificate and private_key go together")
        if not self.browse and not self.nodes:
            raise ValueError("with browse = false, list the nodes to record in `nodes`")
        return self

    @property
    def label(self) -> str:
        return self.name or self.url


class SubscriptionSettings(_Strict):
    sampling_interval_ms: float = Field(default=100.0, ge=0, le=3_600_000)
    publishing_interval_ms: float = Field(
        default=100.0,
        gt=0,
        le=3_600_000,
        description="The server sends changes this often (BENCHMARKS.md: 100 ms for p99 < 1 s)",
    )
    queue_size: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Per monitored item: holds a server's burst until it is published",
    )
    max_items_per_request: int = Field(default=1000, ge=1, le=100_000)
    trigger: Literal["status", "status_value", "status_value_timestamp"] = Field(
        default="status_value_timestamp",
        description="What makes a notification; with the timestamp, repeated values count",
    )


class WriterSettings(_Strict):
    batch_size: int = Field(default=5000, ge=1, le=1_000_000)
    flush_interval_s: PositiveSeconds = Field(
        default=0.1, description="A batch smaller than batch_size waits at most this long"
    )
    queue_max_rows: int = Field(default=500_000, ge=1000, le=50_000_000)
    spool_dir: Path | None = Field(
        default=None, description="Default: $MAGNETLINE_STATE_DIR/spool/<database>"
    )
    spool_max_mb: float = Field(default=2048.0, gt=0, description="Disk the spool may use [MB]")


class RetentionSettings(_Strict):
    raw_days: float = Field(default=30.0, gt=0, description="Raw readings kept [days]")
    minute_days: float = Field(default=365.0, gt=0, description="1-minute roll-ups kept [days]")
    hour_days: float | None = Field(default=None, gt=0, description="1-hour roll-ups; None: all")


class RollupSettings(_Strict):
    interval_s: PositiveSeconds = 30.0
    grace_s: float = Field(
        default=120.0,
        ge=0,
        le=86_400,
        description="Data time a bucket waits after the newest reading before it is final",
    )


class ForecastSettings(_Strict):
    """The scheduled forecast: calibrate the twin on the recorded line, forecast, store."""

    enabled: bool = True
    interval_s: float = Field(default=3600.0, gt=0, le=30 * 86_400, description="Run this often")
    window_days: float = Field(
        default=14.0, gt=0, le=3650, description="Calibrate on the last N days recorded"
    )
    horizon_days: int = Field(default=30, ge=1, le=3650, description="Forecast horizon [d]")
    samples: int = Field(default=1000, ge=10, le=100_000, description="Monte Carlo samples")
    min_days: float = Field(
        default=0.25, ge=0, description="Skip (with a note) until this much data is recorded"
    )
    grade: str | None = Field(
        default=None, description="Target grade, e.g. N42; default: inferred from the lots"
    )
    endpoint: str | None = Field(
        default=None, description="Endpoint label of the line; default: the only endpoint"
    )
    tag_map: str = Field(
        default="simulator",
        description="Tag map naming the line's tags for the twin: a shipped map's name or a"
        " TOML file (twin/TAG_MAP.md)",
    )

    @field_validator("tag_map")
    @classmethod
    def _readable_map(cls, tag_map: str) -> str:
        from twin.calibration.tag_map import TagMapError, get_tag_map  # loaded only here

        try:
            get_tag_map(tag_map)
        except TagMapError as exc:
            raise ValueError(str(exc)) from exc
        return tag_map

    @field_validator("grade")
    @classmethod
    def _known_grade(cls, grade: str | None) -> str | None:
        from twin.errors import TwinError  # the twin is loaded only when a grade is given
        from twin.grades import parse_grade

        if grade is None:
            return None
        try:
            return parse_grade(grade).name
        except TwinError as exc:
            raise ValueError(str(exc)) from None


class IngestSettings(_Strict):
    dsn: str | None = Field(default=None, description="Default: MAGNETLINE_DSN, else embedded")
    endpoint: list[EndpointSettings] = Field(min_length=1)
    subscription: SubscriptionSettings = SubscriptionSettings()
    writer: WriterSettings = WriterSettings()
    rollup: RollupSettings = RollupSettings()
    retention: RetentionSettings = RetentionSettings()
    forecast: ForecastSettings = ForecastSettings()
    health_interval_s: PositiveSeconds = 2.0
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, le=65535, description="Prometheus; 0: off")
    pki_dir: Path | None = Field(
        default=None, description="Endpoints' certificates; default: $MAGNETLINE_STATE_DIR/pki"
    )
    trust_on_first_use: bool = Field(
        default=False, description="Trust each endpoint's first server certificate (else refuse)"
    )

    @model_validator(mode="after")
    def _endpoint_names_are_unique(self) -> IngestSettings:
        # The label keys tags, gaps and health: two endpoints under one name would mix.
        labels = [endpoint.label for endpoint in self.endpoint]
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            raise ValueError(f"endpoint {twice[0]!r} is named twice; give each its own name")
        return self

    @model_validator(mode="before")
    @classmethod
    def _endpoints_inherit_security(cls, raw: object) -> object:
        """An endpoint without its own pki_dir / trust_on_first_use takes the global one."""
        if not isinstance(raw, dict) or not isinstance(raw.get("endpoint"), list):
            return raw
        inherited = {key: raw[key] for key in ("pki_dir", "trust_on_first_use") if key in raw}
        endpoints = [
            {**inherited, **endpoint} if isinstance(endpoint, dict) else endpoint
            for endpoint in raw["endpoint"]
        ]
        return {**raw, "endpoint": endpoints}


def load(path: Path | None = None, overrides: dict[str, object] | None = None) -> IngestSettings:
    """Settings from the TOML file at ``path``, the environment and ``overrides`` (CLI)."""
    raw: dict[str, object] = _read_toml(path) if path else {}
    for key in IngestSettings.model_fields:
        env_value = os.environ.get(ENV_PREFIX + key.upper())
        if env_value is not None:
            raw[key] = env_value
    _forecast_from_env(raw)
    _merge(raw, overrides or {})
    try:
        return IngestSettings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from exc


def _merge(raw: dict[str, object], overrides: dict[str, object]) -> None:
    """Command-line ``overrides`` over the file, key by key: ``--spool-dir`` replaces the
    file's ``[writer] spool_dir``, not the whole ``[writer]`` table."""
    for key, value in overrides.items():
        if value is None:
            continue
        current = raw.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            raw[key] = {**current, **value}
        else:
            raw[key] = value


def _forecast_from_env(raw: dict[str, object]) -> None:
    section = dict(raw.get("forecast") or {})
    for key in ForecastSettings.model_fields:
        env_value = os.environ.get(f"{ENV_PREFIX}FORECAST_{key.upper()}")
        if env_value is not None:
            section[key] = env_value
    if section:
        raw["forecast"] = section


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such config file") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: a folder, not a config file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a text file (TOML is UTF-8 text)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _describe(exc: ValidationError, path: Path | None) -> str:
    source = str(path) if path else "settings"
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"{source}: {key}: {message}")
    return "\n".join(lines)
