# One image for the simulator, the ingest service and the API; docker-compose.yml picks the
# command. The database is the official TimescaleDB image.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY twin ./twin
COPY ingest ./ingest
COPY simulators ./simulators
RUN pip install --no-cache-dir .
RUN useradd --create-home magnetline
USER magnetline
