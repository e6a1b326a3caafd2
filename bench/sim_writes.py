"""Benchmark: the simulator's publishing cost inside one process, fast path against asyncua's.

Builds the address space of a 10,000-tag plant in an asyncua server (not bound to a port),
then times ``Publisher.publish_numeric`` over whole steps: with no monitored items, and
with every tag monitored by an in-process subscription (which is where asyncua deep-copies
each value for each monitored item unless the fast path is on). Rates are writes per CPU
second of the process, which other processes on the machine hardly change. Usage::

    .venv/bin/python bench/sim_writes.py --lines 20 --banks 22 --furnaces 25 --steps 20
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from datetime import UTC, datetime

from asyncua import Server

from simulators.config import SimConfig
from simulators.opcua import fastpath
from simulators.opcua.address_space import build_address_space
from simulators.opcua.publisher import Publisher
from simulators.plant.plant import PlantLayout
from simulators.simulation import Simulation


class _Sink:
    def datachange_notification(self, node, value, data) -> None:
        pass


async def _build(layout: PlantLayout) -> tuple[Server, int, Simulation]:
    sim = Simulation(SimConfig(layout=layout), time.time_ns() // 1000)
    server = Server()
    await server.init()
    return server, await build_address_space(server, sim.published), sim


async def _time_steps(pub: Publisher, sim: Simulation, steps: int) -> float:
    """Writes per CPU second of this process (steady under other engineers' load)."""
    outs = [sim.advance() for _ in range(steps)]
    t0 = time.process_time()
    for out in outs:
        ts = datetime.fromtimestamp(out.t_us / 1e6, UTC)
        await pub.publish_numeric(ts, out.measured, out.status, out.written)
    return steps * len(sim.plant.signals) / (time.process_time() - t0)


async def _measure(layout: PlantLayout, fast: bool, steps: int) -> list[tuple[str, float]]:
    """Both cases on a fresh server, so that one path's subscription never meets the other."""
    (fastpath.install if fast else fastpath.uninstall)()
    server, ns, sim = await _build(layout)
    if fast:
        fastpath.settle_heap()  # as the server does after building its address space
    paths = [s.path for s in sim.plant.signals]
    pub = Publisher(server, ns, paths, [], fast=fast)
    rows = [("no monitored items", await _time_steps(pub, sim, steps))]
    sub = await server.create_subscription(1000, _Sink())
    nodes = [server.get_node(f"ns={ns};s={p}") for p in paths]
    await sub.subscribe_data_change(nodes, queuesize=20)
    rows.append(("all tags monitored", await _time_steps(pub, sim, steps)))
    await sub.delete()
    await server.stop()
    return rows


async def main(args: argparse.Namespace) -> None:
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    layout = PlantLayout(args.lines, args.banks, args.furnaces)
    n = len(Simulation(SimConfig(layout=layout), 0).plant.signals)
    for fast in (False, True):
        for case, rate in await _measure(layout, fast, args.steps):
            print(f"tags={n} fast_path={fast} {case}: {rate:,.0f} writes per CPU-s", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in (("lines", 20), ("banks", 22), ("furnaces", 25), ("steps", 20)):
        parser.add_argument(f"--{name}", type=int, default=default)
    asyncio.run(main(parser.parse_args()))
