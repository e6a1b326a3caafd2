"""The line a fault run breaks: the simulator, the recorder and a proxy in front of the
database, as processes; and the bench's own look at the database (directly, never through
the proxy) to tell when the recorder runs and when it has caught up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from asyncua import Client, ua
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from runtime.ports import free_port, port_open
from runtime.processes import Process, wait_for
from runtime.tcp_proxy import CutMode, TcpProxy
from simulators.config import SimConfig
from simulators.simulation import Simulation

__all__ = ["FaultPlan", "Line", "wait_caught_up"]

NAMESPACE = "urn:magnetline:simulator"
START_TIMEOUT_S = 60.0
POLL_S = 1.0
SETTLED_POLLS = 3  # the same stored counts this many polls in a row: nothing more arriving
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FaultPlan:
    """How hard and how long; times are wall seconds."""

    speed: float = 60.0  # 105 numeric tags, each written every step: 6,300 values/s
    run_s: float = 60.0  # normal running before, between and after the faults
    cut_s: float = 30.0  # the database path is cut this long
    cut_mode: CutMode = "refuse"
    recorder_down_s: float = 5.0  # dead after the SIGKILL while running
    trip_every_s: float = 5.0  # one equipment trip (and later its repair) this often
    catch_up_s: float = 180.0  # at most, for the recorder to catch up at the end
    seed: int = 11
    # Small lots, so that lots finish every few wall seconds as trips do: with the plant's
    # own 500 kg oxide lots and 400 kg furnace loads ~10 lots finish a simulated day.
    oxide_lot_kg: float = 4.0  # an oxide and an alloy lot every ~5 simulated minutes
    furnace_load_kg: float = 20.0

    def simulator_config(self) -> str:
        """The simulator's TOML settings: the small lots."""
        return (f"[profile_overrides]\noxide_lot_kg = {self.oxide_lot_kg:g}\n"
                f"load_kg = {self.furnace_load_kg:g}\n")  # fmt: skip

    def history_window_s(self) -> float:
        """Simulated seconds of history the simulator keeps: the whole run, twice over."""
        return 2 * self.speed * (4 * self.run_s + self.cut_s + self.catch_up_s + 60)

    def simulator_faults(self, equipment: list[str]) -> list[str]:
        """``--fault`` arguments: trips round the equipment (each simulator process counts
        from its own start), and stretches of Bad, Uncertain and NaN values."""
        every, length = self.trip_every_s * self.speed, self.trip_every_s * self.speed / 2
        trips = int((2 * self.run_s + self.cut_s) / self.trip_every_s)
        faults = [f"trip:{equipment[i % len(equipment)]}:{(i + 1) * every:g}:{length:g}"
                  for i in range(trips)]  # fmt: skip
        stretch = self.run_s * self.speed / 4
        for kind, target, start in (("bad", "Line1.Sintering.Furnace1.*", 1),
                                    ("uncertain", "Line1.Separation.Bank2.*", 2),
                                    ("nan", "Line1.Sintering.Press1.*", 3)):  # fmt: skip
            faults.append(f"{kind}:{target}:{start * stretch:g}:{stretch:g}")
        return faults


class Line:
    """The simulator, the proxy in front of the database and the recorder, as processes."""

    def __init__(self, tmp_dir: Path, dsn: str, plan: FaultPlan) -> None:
        self.tmp_dir, self.dsn, self.plan = tmp_dir, dsn, plan
        self.opc_port = free_port()
        self.url = f"opc.tcp://127.0.0.1:{self.opc_port}/"  # also the recorder's endpoint label
        self.data_dir = tmp_dir / "simulator"
        self.spool_dir = tmp_dir / "spool"
        params = conninfo_to_dict(dsn)
        self.proxy = TcpProxy(params.get("host") or "127.0.0.1", int(params.get("port") or 5432))
        self.simulator: Process | None = None
        self.recorder: Process | None = None
        self.recorder_started = dt.datetime.now(dt.UTC)
        self._starts = {"simulator": 0, "recorder": 0}
        layout = Simulation(SimConfig(seed=plan.seed).validate(), 0)
        self.paths = [s.path for s in layout.plant.signals] + layout.text_paths + layout.lot_paths
        self.equipment = [eq.path for eq in layout.plant.equipment]

    def start(self) -> None:
        """The proxy, then the simulator, then the recorder."""
        self.proxy.start()
        self.start_simulator()
        self.start_recorder()

    def proxied_dsn(self) -> str:
        """The database's DSN with the proxy's address: the recorder's way to it."""
        params = {**conninfo_to_dict(self.dsn), "host": "127.0.0.1", "port": str(self.proxy.port)}
        return make_conninfo(**params)

    def start_simulator(self) -> None:
        """Start the simulator on the same port and data dir as before, and wait for it."""
        config = self.tmp_dir / "simulator.toml"
        config.write_text(self.plan.simulator_config())
        args = ["simulators", "serve", "--config", str(config), "--port", str(self.opc_port),
                "--seed", str(self.plan.seed), "--speed", f"{self.plan.speed:g}",
                "--data-dir", str(self.data_dir),
                "--history-window", f"{self.plan.history_window_s():g}"]  # fmt: skip
        for fault in self.plan.simulator_faults(self.equipment):
            args += ["--fault", fault]
        self.simulator = Process(self._log("simulator"), *args)
        self.simulator.wait_until(
            "the OPC UA server", lambda: port_open(self.opc_port), START_TIMEOUT_S
        )

    def start_recorder(self) -> None:
        """Start a recorder (it may not reach the database yet; it must not need to)."""
        self.recorder_started = dt.datetime.now(dt.UTC)
        dsn = self.proxied_dsn()
        self.recorder = Process(
            self._log("recorder"), "ingest", "run", "--endpoint", self.url,
            "--namespace-uri", NAMESPACE, "--dsn", dsn, "--metrics-port", "0",
            "--spool-dir", str(self.spool_dir), dsn=dsn,
        )  # fmt: skip

    def _log(self, name: str) -> Path:
        self._starts[name] += 1
        return self.tmp_dir / f"{name}-{self._starts[name]}.log"

    def hold(self, seconds: float) -> None:
        """Let ``seconds`` pass while both processes must stay up."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.simulator.alive()
            self.recorder.alive()
            time.sleep(min(0.5, left))

    def source_now_us(self) -> int:
        """The simulator's newest source time (a plain client's read of one variable)."""
        return asyncio.run(_source_time_us(self.url, self.paths[0]))

    def spool_bytes(self) -> int:
        """What the recorder keeps on disk for the database to take later."""
        files = self.spool_dir.rglob("*") if self.spool_dir.exists() else []
        return sum(f.stat().st_size for f in files if f.is_file())

    def values_per_s(self) -> list[float]:
        """Every "published N values/s" figure the simulator logged."""
        pattern = re.compile(r"published (\d+) values/s")
        logs = sorted(self.tmp_dir.glob("simulator-*.log"))
        return [float(m.group(1)) for log in logs for m in pattern.finditer(log.read_text())]

    def stop(self) -> None:
        """Stop whatever still runs (SIGTERM), then the proxy."""
        for process in (self.recorder, self.simulator):
            if process is not None:
                process.terminate()
        self.proxy.stop()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """The bench's own look at the database: directly, never through the proxy."""
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(sql, params).fetchall()

    def health(self) -> dict:
        """The current recorder's health record ({} before it wrote one)."""
        rows = self.query("SELECT state, details FROM ingest_health WHERE endpoint = %s"
                          " AND updated_at > %s", (self.url, self.recorder_started))  # fmt: skip
        return {"state": rows[0][0], **rows[0][1]} if rows else {}

    def running(self) -> bool:
        """Whether the current recorder says it records (subscriptions made)."""
        return self.health().get("state") == "running"


async def _source_time_us(url: str, path: str) -> int:
    async with Client(url, timeout=10) as client:
        index = await client.get_namespace_index(NAMESPACE)
        value = await client.get_node(ua.NodeId(path, index)).read_data_value()
    return (value.SourceTimestamp - _EPOCH) // dt.timedelta(microseconds=1)


def wait_caught_up(line: Line, timeout_s: float) -> str | None:
    """None once the recorder has caught up (within ``timeout_s``), else what it lacked:
    running, database up, spool empty, no gap left to recover, and nothing more arriving
    from before the wait began (backfill, replay)."""
    began = line.source_now_us()
    seen: list[tuple] = []
    lacking = ["a health record"]

    def caught_up() -> bool:
        line.recorder.alive()
        seen.append(_stored_before(line, began))
        settled = len(seen) >= SETTLED_POLLS and len(set(seen[-SETTLED_POLLS:])) == 1
        lacking[:] = _lacking(line) + ([] if settled else ["nothing more arriving"])
        return not lacking

    try:
        wait_for("the recorder to catch up", caught_up, timeout_s, poll_s=POLL_S)
    except TimeoutError:
        return ", ".join(lacking)
    return None


def _lacking(line: Line) -> list[str]:
    health = line.health()
    checks = {
        "running": health.get("state") == "running",
        "database up": health.get("database_up"),
        "spool empty": health.get("spool_segments") == 0,
        "no gap left to recover": _pending_gaps(line) == 0,
    }
    return [what for what, ok in checks.items() if not ok]


def _pending_gaps(line: Line) -> int:
    """Gaps of the endpoint whose recovery has not run to its end (``recovered_at`` is
    newer than ``filled``, which stays false when a server keeps no event history)."""
    newer = line.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'gap'"
                       " AND column_name = 'recovered_at'")  # fmt: skip
    pending = "recovered_at IS NULL" if newer else "NOT filled"
    sql = f"SELECT count(*) FROM gap WHERE endpoint = %s AND {pending}"
    return line.query(sql, (line.url,))[0][0]


def _stored_before(line: Line, t_us: int) -> tuple:
    """Readings, events and lots stored with a source time before ``t_us``: what only a
    backfill or a replay could still add to."""
    moment = _EPOCH + dt.timedelta(microseconds=t_us)
    return line.query("SELECT (SELECT count(*) FROM reading WHERE time < %s),"
                      " (SELECT count(*) FROM event WHERE time < %s),"
                      " (SELECT count(*) FROM lot WHERE finished_at < %s)",
                      (moment, moment, moment))[0]  # fmt: skip
