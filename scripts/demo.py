"""The main job: a simulated line run through OPC UA, ingest, TimescaleDB, the API and the twin.

Starts the simulator, the ingest service and the API as real processes (logs in
var/demo/), waits until every stage's signals are in the database and readable through
the API, prints the twin's prediction for the domestic and the tolled route side by side,
creates an API key (``python -m api keys create``) and prints it with where the API and
its OpenAPI docs answer, and keeps the line running until Ctrl-C, which stops all three.
SIGTERM (a service manager, ``timeout``) and SIGHUP (the terminal closed) stop them the
same way. The processes are started and stopped by ``runtime.processes``, as in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from runtime.ports import free_port, port_open  # noqa: E402
from runtime.processes import Process, wait_for  # noqa: E402
from store.cluster import resolve_dsn  # noqa: E402

STAGES = ("Separation", "Sintering", "Magnetization")
NAMESPACE = "urn:magnetline:simulator"
# Each child runs in a session of its own (runtime.processes), so no signal sent to the demo
# reaches it: the demo must stop them itself, whatever signal stops the demo.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# The simulator never stamps the future: at --speed N it starts (N - 1) x its catch-up (wall
# seconds) back, runs at N until it reaches the clock, then in real time. An hour, but never
# more than 28 days back: what the API reads in one request (31 days) and keeps raw (30).
CATCH_UP_S, MAX_BACK_S = 3600.0, 28 * 86400.0


class StopRequested(Exception):
    """SIGTERM or SIGHUP: stop as Ctrl-C does (Python's default would end at once and leave
    the children running)."""


def _raise_stop(signum: int, frame: object) -> None:
    raise StopRequested(signal.Signals(signum).name)


def _ignore_stop_signals() -> None:
    """While the children are being stopped, a second signal must not cut that short."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def get_json(url: str, key: str | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=5
        ) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


class Processes:
    """The demo's child processes, stopped in reverse order of start."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.env = env
        self.children: dict[str, Process] = {}

    def start(self, name: str, *args: str) -> Process:
        child = Process(self.log_dir / f"{name}.log", *args, env=self.env)
        self.children[name] = child
        print(f"  started {name:<10} pid {child.pid:<7} log {child.log_path.name}")
        return child

    def check_alive(self) -> None:
        for child in self.children.values():
            child.alive()

    def stop(self) -> None:
        _ignore_stop_signals()
        for name, child in reversed(self.children.items()):
            print(f"  stopped {name} (exit {child.interrupt(timeout_s=15)})", flush=True)


def create_key(env: dict[str, str]) -> dict:
    """A new operator key for the demo's user, made with the command line meant for it."""
    name = f"demo {time.strftime('%Y-%m-%d %H:%M:%S')}"
    command = [sys.executable, "-m", "api", "--log-level", "WARNING", "keys", "create",
               "--name", name, "--role", "operator", "--json"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"could not create an API key: {done.stderr.strip()}")
    return json.loads(done.stdout)


def stage_coverage(api: str, key: str) -> dict[str, tuple[int, dict]] | None:
    """Per stage: how many tags, and one tag with readings; None until every stage has both."""
    tags = get_json(f"{api}/tags?limit=10000", key)
    if not tags:
        return None
    # The line's data lies in the past, at most MAX_BACK_S back (an hour's margin).
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - MAX_BACK_S - 3600))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
    coverage = {}
    for stage in STAGES:
        in_stage = [t for t in tags if t["stage"] == stage and t["unit"]]
        for tag in in_stage[:5]:
            body = get_json(f"{api}/tags/{tag['tag_id']}/readings?start={start}&end={end}", key)
            if body and body["readings"]:
                coverage[stage] = (len(in_stage), {**tag, "last": body["readings"][-1]})
                break
    return coverage if len(coverage) == len(STAGES) else None


def print_coverage(coverage: dict[str, tuple[int, dict]]) -> None:
    print("\nRecorded through OPC UA -> ingest -> TimescaleDB, read back through the API:")
    for stage, (count, tag) in coverage.items():
        last = tag["last"]
        value = last["value"] if last["value"] is not None else last["value_text"]
        print(
            f"  {stage:<14} {count:>4} tags   e.g. {tag['browse_path']} = {value:.4g} "
            f"{tag['unit']} (status 0x{last['status_code']:08X})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--speed", type=float, default=60.0, help="simulated s per wall s")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", choices=["domestic", "tolled"], default="domestic")
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--samples", type=int, default=2000, help="twin Monte Carlo samples")
    parser.add_argument("--once", action="store_true", help="stop after printing (no Ctrl-C wait)")
    parser.add_argument("--log-dir", type=Path, default=ROOT / "var" / "demo", help="child logs")
    args = parser.parse_args()
    if args.speed <= 0:
        parser.error("--speed must be positive")
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)

    dsn = resolve_dsn()
    log_dir = args.log_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    opc_port = free_port()
    api_port = args.api_port if not port_open(args.api_port) else free_port()
    api = f"http://127.0.0.1:{api_port}/api/v1"
    env = {**os.environ, "MAGNETLINE_DSN": dsn}
    processes = Processes(log_dir, env)
    print("Starting the line simulator, the ingest service and the API:")
    try:
        simulator = processes.start(
            "simulator", "simulators", "serve", "--host", "127.0.0.1", "--port", str(opc_port),
            "--seed", str(args.seed), "--speed", str(args.speed), "--profile", args.profile,
            "--catch-up", f"{min(CATCH_UP_S, MAX_BACK_S / max(args.speed - 1, 1)):g}",
        )  # fmt: skip
        simulator.wait_until("the OPC UA server", lambda: port_open(opc_port), 60)
        processes.start(
            "ingest", "ingest", "run", "--endpoint", f"opc.tcp://127.0.0.1:{opc_port}/",
            "--namespace-uri", NAMESPACE, "--metrics-port", str(free_port()),
        )  # fmt: skip
        api_process = processes.start("api", "api", "--port", str(api_port))
        api_process.wait_until("the API", lambda: get_json(f"{api}/health"), 60)
        key = create_key(env)
        coverage = wait_for(
            "readings of every stage",
            lambda: processes.check_alive() or stage_coverage(api, key["key"]),
            120,
            poll_s=0.5,
        )
        print_coverage(coverage)
        print("\nThe twin, both routes side by side:\n", flush=True)
        twin = subprocess.run(
            [sys.executable, "-m", "twin", "compare", "--samples", str(args.samples)],
            cwd=ROOT,
            check=False,
        )
        if twin.returncode != 0:
            raise RuntimeError(f"the twin failed (exit {twin.returncode})")
        print_api(api_port, key)
        if not args.once:
            print("The line keeps running and recording. Ctrl-C stops everything.", flush=True)
            watch(processes, api, key["key"])
    except KeyboardInterrupt:
        print("\nCtrl-C: stopping", flush=True)
    except StopRequested as exc:
        print(f"\n{exc}: stopping", flush=True)
    except (RuntimeError, TimeoutError) as exc:  # ProcessExited is a RuntimeError
        print(f"\nerror: {exc}", file=sys.stderr)
        processes.stop()
        return 1
    processes.stop()
    return 0


def print_api(port: int, key: dict) -> None:
    base = f"http://127.0.0.1:{port}"
    print(f"\nThe API answers at {base}  (OpenAPI docs: {base}/docs, description: "
          f"{base}/openapi.json)")  # fmt: skip
    print(f"API key {key['key_id']} ({key['role']}), shown once, not stored:\n  {key['key']}")
    print("Try it:")
    print(f"  curl -H 'Authorization: Bearer {key['key']}' {base}/api/v1/tags?limit=5")
    print(f"  curl -H 'X-API-Key: {key['key']}' -H 'Content-Type: application/json' "
          f"-d '{{\"route\": \"tolled\", \"what_if\": {{\"shipping_delay_days\": 10}}}}' "
          f"{base}/api/v1/twin/predict")  # fmt: skip
    print("(python -m api keys list | revoke KEY_ID manages keys.)")


def watch(processes: Processes, api: str, key: str) -> None:
    while True:
        time.sleep(15)
        processes.check_alive()
        health = get_json(f"{api}/health", key)  # without a key it says only "ok"
        if health and health.get("ingest"):
            details = health["ingest"][0]["details"]
            print(
                f"  {time.strftime('%H:%M:%S')}  {details['writer_rows_written']:,} readings "
                f"recorded, {details['tags']} tags, queue {details['writer_queue_rows']}",
                flush=True,
            )


if __name__ == "__main__":
    sys.exit(main())
