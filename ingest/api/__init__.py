"""The operators' HTTP API (FastAPI), served by ``python -m ingest api``."""

from ingest.api.app import create_app

__all__ = ["create_app"]
