"""A live run never stamps the future: at speed N it starts in the past, catches up with
the wall clock, then runs in real time; a restart resumes right after its saved history."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asyncua import Client
from asyncua.common.subscription import DataChangeEvent, OpcEvent

from runtime.ports import free_port
from simulators.config import SimConfig, load_config
from simulators.errors import StateFileError
from simulators.opcua.events import EVENT_TYPE_NAME
from simulators.serve import LiveRun
from simulators.tags import NAMESPACE_URI

SPEED = 50.0
TIMEOUT_S = 20.0
CLOCK_RESOLUTION = timedelta(milliseconds=1)
WATCHED = ["Line1.Sintering.Furnace1.Zone1Temperature", "Line1.Sintering.Furnace1.State"]


def _cfg(data_dir: Path, catch_up_wall_s: float) -> SimConfig:
    return SimConfig(port=free_port(), data_dir=data_dir, speed=SPEED, security=("None",),
                     catch_up_wall_s=catch_up_wall_s).validate()  # fmt: skip


@asynccontextmanager
async def _serving(cfg: SimConfig) -> AsyncIterator[LiveRun]:
    """A ``LiveRun`` serving over TCP in this event loop; stopped (history saved) on exit."""
    run, stop = LiveRun(cfg), asyncio.Event()
    task = asyncio.create_task(run.run(stop))
    async with asyncio.timeout(TIMEOUT_S):
        while not run.server.running:
            assert not task.done(), task.exception()
            await asyncio.sleep(0.01)
    try:
        yield run
    finally:
        stop.set()
        async with asyncio.timeout(TIMEOUT_S):
            await task


async def _received(run: LiveRun, watch_s: float) -> list[tuple[datetime, datetime]]:
    """(source time, receipt time) of every value and event a subscriber gets in ``watch_s``:
    a numeric tag, a state, the lot variables and the server's events."""
    got = []
    async with asyncio.timeout(watch_s + TIMEOUT_S), Client(run.server.url) as client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        etype = await client.nodes.base_event_type.get_child(f"{ns}:{EVENT_TYPE_NAME}")
        nodes = [client.get_node(f"ns={ns};s={p}") for p in WATCHED + run.sim.lot_paths]
        sub = await client.create_subscription(20, queue_maxsize=100_000)
        async with sub:
            await sub.subscribe_data_change(nodes, queuesize=1000)
            await sub.subscribe_events(client.nodes.server, etype, queuesize=1000)
            deadline = time.monotonic() + watch_s
            while (left := deadline - time.monotonic()) > 0:
                try:
                    item = await sub.next_event(timeout=left)
                except TimeoutError:
                    break
                if isinstance(item, DataChangeEvent):
                    source = item.data.monitored_item.Value.SourceTimestamp
                elif isinstance(item, OpcEvent):
                    source = item.event.Time
                else:
                    continue
                if source is None:  # a lot variable before its first lot: no value yet
                    continue
                got.append((source.replace(tzinfo=UTC), datetime.now(UTC)))
    return got


def _assert_never_ahead(got: list[tuple[datetime, datetime]]) -> None:
    assert len(got) > 5
    ahead = [(s, r) for s, r in got if s > r + CLOCK_RESOLUTION]
    assert not ahead, f"{len(ahead)} of {len(got)} stamped after their receipt: {ahead[:3]}"


def _utc(t_us: int) -> datetime:
    return datetime.fromtimestamp(t_us / 1e6, UTC)


async def test_a_fast_run_starts_back_catches_up_and_never_stamps_the_future(
    tmp_path: Path, caplog
) -> None:
    """At speed 50 with 1 s of catch-up, step 0 lies 49 s back; every value and event a
    subscriber gets is stamped no later than its receipt; after ~1 wall second the run
    says it caught up and its source time stays at the clock."""
    caplog.set_level("INFO", "simulators.serve")
    before = time.time()
    async with _serving(_cfg(tmp_path / "sim", 1.0)) as run:
        after = time.time()
        got = await _received(run, 1.6)
    assert before - 49 <= run.sim.t0_us / 1e6 <= after - 49
    _assert_never_ahead(got)
    assert "caught up with the wall clock" in caplog.text
    newest = max(source for source, _ in got)
    assert got[-1][1] - newest < timedelta(seconds=1.5)  # real time: at most a step behind


async def test_a_restart_resumes_after_its_saved_history_or_leaves_an_honest_gap(
    tmp_path: Path,
) -> None:
    """A process stopped while still catching up is resumed right after its saved history
    (not a catch-up span back), at speed and never ahead of the clock; a history older than
    the catch-up span is not resumed: the next run starts that span back, leaving a gap."""
    data_dir = tmp_path / "sim"
    async with _serving(_cfg(data_dir, 10.0)) as first:  # 490 s back: still catching up
        await asyncio.sleep(0.3)
    saved_us = first.history.last_time_us
    assert saved_us / 1e6 < time.time() - 400
    async with _serving(_cfg(data_dir, 10.0)) as second:
        got = await _received(second, 0.5)
    assert second.sim.t0_us == saved_us + 1
    assert second.sim.t_us / 1e6 < time.time() - 400  # still catching up, at speed
    _assert_never_ahead(got)
    assert any(s > _utc(saved_us) for s, _ in got)

    third = LiveRun(_cfg(data_dir, 0.1))  # 4.9 s back: after the saved history
    before = time.time()
    third._rebase()  # what its server's start does first
    assert before - 4.9 <= third.sim.t0_us / 1e6 <= time.time() - 4.9
    assert third.sim.t0_us - second.history.last_time_us > 400 * 1_000_000  # the gap


async def test_history_ahead_of_the_clock_is_waited_for_briefly_and_refused_beyond(
    tmp_path: Path,
) -> None:
    """Saved history a moment ahead (a clock set back) delays the start until the clock
    passes it; history minutes ahead (a simulator that stamped the future) is refused."""
    run = LiveRun(_cfg(tmp_path / "sim", 1.0))
    run.archive.not_before_us = time.time_ns() // 1000 + 300_000
    await asyncio.wait_for(run._wait_for_saved_history(asyncio.Event()), TIMEOUT_S)
    assert time.time_ns() // 1000 >= run.archive.not_before_us
    run.archive.not_before_us += 3600 * 1_000_000
    with pytest.raises(StateFileError, match="ahead of the clock"):
        await run._wait_for_saved_history(asyncio.Event())


def test_catch_up_from_a_config_file(tmp_path: Path) -> None:
    """``catch_up_wall_s`` is read from [simulator]; the span it gives is (speed - 1) times
    it at speed above 1 and nothing at speed 1 or below."""
    config = tmp_path / "sim.toml"
    config.write_text("[simulator]\nspeed = 60\ncatch_up_wall_s = 120\n")
    cfg = load_config(config).validate()
    assert (cfg.catch_up_wall_s, cfg.catch_up_span_s) == (120.0, 59 * 120.0)
    assert SimConfig(speed=0.5, catch_up_wall_s=120).catch_up_span_s == 0.0
