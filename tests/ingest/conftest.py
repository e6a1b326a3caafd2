"""Fixtures of the ingest tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from runtime.ports import free_port
from tests.ingest.tiny_plant import TinyPlant


@pytest.fixture
async def plant() -> AsyncIterator[TinyPlant]:
    plant = TinyPlant(free_port())
    await plant.start()
    yield plant
    await plant.server.stop()
