# One image for the simulator, the ingest service and the API; docker-compose.yml picks the
# command. The database is the official TimescaleDB image. Every top-level package is copied
# (tests/test_layout.py checks that none is missing).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY runtime ./runtime
COPY store ./store
COPY simulators ./simulators
COPY ingest ./ingest
COPY api ./api
COPY twin ./twin
RUN pip install --no-cache-dir .
RUN useradd --create-home magnetline
USER magnetline
