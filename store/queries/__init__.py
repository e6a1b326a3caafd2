"""What the API reads, in one package; routes call these and never write SQL."""

from store.queries.aggregates import (
    Query,
    fetch,
    plot_summary,
    point_statuses,
    raw_aggregates,
    rollup_aggregates,
    rollup_watermark,
    watermark_and_rows,
)
from store.queries.readings import (
    export_csv,
    interpolation_rows,
    latest,
    new_readings,
    readings,
    stream_starts,
)
from store.queries.records import events, gaps, lot_edges, lots, lots_by_id
from store.queries.states import state_seconds, state_tags
from store.queries.tags import (
    asset_rows,
    database_now,
    database_status,
    find_tag,
    ingest_health,
    list_tags,
    rollup_state,
    tags_by_id,
)

__all__ = [
    "Query",
    "asset_rows",
    "database_now",
    "database_status",
    "events",
    "export_csv",
    "fetch",
    "find_tag",
    "gaps",
    "ingest_health",
    "interpolation_rows",
    "latest",
    "list_tags",
    "lot_edges",
    "lots",
    "lots_by_id",
    "new_readings",
    "plot_summary",
    "point_statuses",
    "raw_aggregates",
    "readings",
    "rollup_aggregates",
    "rollup_state",
    "rollup_watermark",
    "state_seconds",
    "state_tags",
    "stream_starts",
    "tags_by_id",
    "watermark_and_rows",
]
