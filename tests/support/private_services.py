"""Private Postgres and Redis instances a test starts, stops and restarts itself.

Outage tests must break a real server's connections, and the machine's own Postgres and
Redis are shared with everything else, so they are never stopped: each test that needs an
outage gets an instance of its own, on a free port, with its files in a temporary
directory, and stops it by PID. Postgres refuses to run as root, so when the tests run as
root the cluster is created and run as the ``postgres`` OS user (``runuser``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.services import missing, port_open


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.05)


def _postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


class PrivatePostgres:
    """A throwaway cluster: ``start()``, ``stop()`` (fast shutdown by PID), ``start()`` again.

    ``url`` stays the same across restarts, so a process holding a pool sees a real outage
    and a real recovery, exactly as when a production database restarts.
    """

    def __init__(self) -> None:
        initdb, postgres = _postgres_bin("initdb"), _postgres_bin("postgres")
        if initdb is None or postgres is None:
            missing("PostgreSQL server binaries (initdb, postgres) are not installed")
            raise AssertionError("unreachable")
        self._postgres = postgres
        self._as_user: list[str] = []
        self.directory = Path(tempfile.mkdtemp(prefix="sf-private-pg-"))
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                missing("running as root needs runuser to start a private PostgreSQL")
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.directory, "postgres")
        self.data = self.directory / "data"
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        subprocess.run(
            [*self._as_user, initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust",
             "--no-sync", "-E", "UTF8", "--locale=C"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        log = (self.directory / "postgres.log").open("ab")
        self._process = subprocess.Popen(
            [*self._as_user, self._postgres, "-D", str(self.data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.directory}",
             "-c", "fsync=off", "-c", "full_page_writes=off"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        _wait(lambda: self._accepting(), "private PostgreSQL did not accept connections")

    def _accepting(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise AssertionError(
                "private PostgreSQL exited:\n" + (self.directory / "postgres.log").read_text())
        if not port_open("127.0.0.1", self.port, timeout=0.2):
            return False
        import psycopg

        try:
            psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                            connect_timeout=1).close()
        except psycopg.OperationalError:  # still starting up
            return False
        return True

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster by PID): sessions are cut, as in a crash
        of the network path or a restart by an operator."""
        process, self._process = self._process, None
        if process is None:
            return
        pid = self._postmaster_pid() or process.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            process.wait(timeout=10)

    def _postmaster_pid(self) -> int | None:
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        return None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class PrivateRedis:
    """A throwaway ``redis-server`` (no persistence) that can be stopped and started again."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            missing("redis-server is not installed (apt-get install redis-server)")
            raise AssertionError("unreachable")
        self._binary = binary
        self.directory = Path(tempfile.mkdtemp(prefix="sf-private-redis-"))
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [self._binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        _wait(lambda: port_open("127.0.0.1", self.port, timeout=0.2),
              "private Redis did not listen")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
