"""The operators' HTTP API (FastAPI): ``python -m api`` serves it, ``python -m api keys``
manages its keys. All SQL it runs is in ``store.queries`` and ``store``'s table modules."""

from api.app import create_app

__all__ = ["create_app"]
