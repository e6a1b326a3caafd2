"""The recording pipeline: collectors -> row buffer -> batch writer (and spool) -> store;
events and lots through the record writer; gaps found and backfilled."""

__all__: list[str] = []
