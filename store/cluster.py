"""The embedded default database: a private PostgreSQL cluster with TimescaleDB.

A user who gives a DSN (``MAGNETLINE_DSN``) gets theirs; everyone else gets a cluster in
``$MAGNETLINE_STATE_DIR/pgdata`` (default ``/var/lib/magnetline``), owned and run by the
``postgres`` user because ``initdb`` and ``postgres`` refuse to run as root, listening on
127.0.0.1 on a free port. The server binaries are those of the newest PostgreSQL that has
TimescaleDB installed (``scripts/install_timescaledb.sh`` puts it there).

The application connects as the role ``magnetline`` with a generated password; the DSN is
kept in ``$MAGNETLINE_STATE_DIR/dsn`` (mode 0600). The extension is created in
``template1`` so that every database made later (the tests make one per session) has it.
"""

from __future__ import annotations

import logging
import os
import pwd
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from runtime.ports import free_port, port_is_free
from runtime.state import default_state_dir
from store.errors import DatabaseSetupError

__all__ = ["DSN_ENV", "EmbeddedCluster", "find_pg_bin_dir", "resolve_dsn"]

logger = logging.getLogger(__name__)

DSN_ENV = "MAGNETLINE_DSN"
APP_ROLE = "magnetline"
APP_DATABASE = "magnetline"
PG_OS_USER = "postgres"


def resolve_dsn() -> str:
    """The DSN to use: the user's own, else the embedded cluster's (started if needed)."""
    dsn = os.environ.get(DSN_ENV)
    if dsn:
        return dsn
    return EmbeddedCluster(default_state_dir()).start()


def find_pg_bin_dir() -> Path:
    """Bin folder of the newest installed PostgreSQL that has the TimescaleDB extension."""
    versions = sorted(
        (int(control.parents[1].name), control)
        for control in Path("/usr/share/postgresql").glob("*/extension/timescaledb.control")
        if control.parents[1].name.isdigit()
    )
    for version, _ in reversed(versions):
        bin_dir = Path(f"/usr/lib/postgresql/{version}/bin")
        if (bin_dir / "postgres").exists():
            return bin_dir
    raise DatabaseSetupError(
        "no PostgreSQL with TimescaleDB is installed: run `bash scripts/install_timescaledb.sh` "
        f"as root, or set {DSN_ENV} to a TimescaleDB of your own"
    )


@dataclass(frozen=True)
class EmbeddedCluster:
    """A private PostgreSQL + TimescaleDB cluster under ``state_dir``."""

    state_dir: Path

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.state_dir / "run"

    @property
    def dsn_file(self) -> Path:
        return self.state_dir / "dsn"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "postgresql.log"

    def start(self) -> str:
        """Initialise (first time) and start the cluster; return the application DSN."""
        self._require_root()
        bin_dir = find_pg_bin_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_dir)
        if not self.is_running(bin_dir):
            self._start_server(bin_dir)
        if not self.dsn_file.exists():
            self._create_app_role_and_database(bin_dir)
        return self.dsn_file.read_text().strip()

    def stop(self) -> None:
        self._require_root()
        bin_dir = find_pg_bin_dir()
        if self.is_running(bin_dir):
            self._as_postgres(bin_dir / "pg_ctl", "stop", "-D", self.data_dir, "-m", "fast", "-w")
            logger.info("stopped PostgreSQL in %s", self.data_dir)

    def is_running(self, bin_dir: Path) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        status = subprocess.run(
            ["runuser", "-u", PG_OS_USER, "--", bin_dir / "pg_ctl", "status", "-D", self.data_dir],
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def _require_root(self) -> None:
        if os.geteuid() != 0:
            raise DatabaseSetupError(
                "the embedded database is run as the postgres user, which needs root; "
                f"run as root or set {DSN_ENV} to a TimescaleDB of your own"
            )
        try:
            pwd.getpwnam(PG_OS_USER)
        except KeyError as exc:
            raise DatabaseSetupError(
                "no `postgres` user: install PostgreSQL with scripts/install_timescaledb.sh"
            ) from exc

    def _as_postgres(self, *args: object, stdin: str | None = None) -> str:
        command = ["runuser", "-u", PG_OS_USER, "--", *map(str, args)]
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DatabaseSetupError(
                f"{Path(str(args[0])).name} failed ({result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-2000:]}"
            )
        return result.stdout

    def _initdb(self, bin_dir: Path) -> None:
        logger.info("initialising a PostgreSQL cluster in %s", self.data_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o755)
        for folder in (self.data_dir, self.socket_dir):
            folder.mkdir(exist_ok=True)
            shutil.chown(folder, PG_OS_USER, PG_OS_USER)
        self.data_dir.chmod(0o700)
        self._as_postgres(
            bin_dir / "initdb",
            "-D",
            self.data_dir,
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--auth-local=peer",
            "--auth-host=scram-sha-256",
        )
        settings = (
            "\n# magnetline embedded cluster\n"
            "shared_preload_libraries = 'timescaledb'\n"
            "timescaledb.telemetry_level = off\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "include_if_exists = 'magnetline_port.conf'\n"
        )
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(settings)

    def _start_server(self, bin_dir: Path) -> None:
        port = self._choose_port()
        port_conf = self.data_dir / "magnetline_port.conf"
        port_conf.write_text(f"port = {port}\n")
        shutil.chown(port_conf, PG_OS_USER, PG_OS_USER)
        if not self.log_file.exists():
            self.log_file.touch()
            shutil.chown(self.log_file, PG_OS_USER, PG_OS_USER)
        logger.info("starting PostgreSQL on 127.0.0.1:%d", port)
        self._as_postgres(
            bin_dir / "pg_ctl", "start", "-D", self.data_dir, "-l", self.log_file, "-w", "-t", "60"
        )
        if self.dsn_file.exists():
            self._write_dsn(self._stored_password(), port)

    def _choose_port(self) -> int:
        if (self.data_dir / "magnetline_port.conf").exists() and port_is_free(self._port()):
            return self._port()
        return free_port()

    def _port(self) -> int:
        return int((self.data_dir / "magnetline_port.conf").read_text().split("=")[1])

    def _psql(self, bin_dir: Path, sql: str, database: str = "postgres") -> str:
        return self._as_postgres(
            bin_dir / "psql",
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
            "-h",
            self.socket_dir,
            "-p",
            self._port(),
            "-d",
            database,
            stdin=sql,
        )

    def _create_app_role_and_database(self, bin_dir: Path) -> None:
        password = secrets.token_urlsafe(24)
        self._psql(bin_dir, "CREATE EXTENSION IF NOT EXISTS timescaledb;", database="template1")
        exists = self._psql(bin_dir, f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}';")
        verb = "ALTER" if exists.strip() else "CREATE"
        self._psql(bin_dir, f"{verb} ROLE {APP_ROLE} LOGIN CREATEDB PASSWORD '{password}';")
        has_db = self._psql(bin_dir, f"SELECT 1 FROM pg_database WHERE datname = '{APP_DATABASE}';")
        if not has_db.strip():
            self._psql(bin_dir, f"CREATE DATABASE {APP_DATABASE} OWNER {APP_ROLE};")
        self._write_dsn(password, self._port())

    def _stored_password(self) -> str:
        dsn = self.dsn_file.read_text().strip()
        return dsn.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]

    def _write_dsn(self, password: str, port: int) -> None:
        dsn = f"postgresql://{APP_ROLE}:{password}@127.0.0.1:{port}/{APP_DATABASE}"
        self.dsn_file.touch(mode=0o600)
        self.dsn_file.write_text(dsn + "\n")
