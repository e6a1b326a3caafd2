"""The historian's schema and every statement that reads or writes it.

- ``migrations/`` and ``migrate``: the schema, versioned, applied at start-up;
- ``cluster``: the embedded PostgreSQL + TimescaleDB (``python -m store start | stop |
  dsn | migrate``), or the user's own database in ``MAGNETLINE_DSN``;
- the recorder's writes, one module per table: ``readings`` (COPY and the staging upsert),
  ``tags``, ``gaps``, ``records`` (events, lots), ``health``, ``rollups``, ``retention``;
- ``predictions`` (the twin's forecasts), ``keys`` (API keys);
- ``queries``: what the API reads;
- ``databases``: throwaway databases for tests and benchmarks.

Rows that cross into or out of this package are named types (``TagRow``, ``Gap``,
``EventRow``, ``LotRecord``, ``HealthRow``, ``PredictionRow``) or dicts keyed by column;
readings, the hot path, are plain tuples read by named positions (``store.readings`` says
why). It imports none of ``ingest``, ``api``, ``simulators``.
"""

__all__: list[str] = []
