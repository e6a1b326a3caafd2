"""Fixtures of the ingest tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import free_tcp_port
from tests.ingest.tiny_plant import TinyPlant


@pytest.fixture
async def plant() -> AsyncIterator[TinyPlant]:
    plant = TinyPlant(free_tcp_port())
    await plant.start()
    yield plant
    await plant.server.stop()
