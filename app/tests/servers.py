"""Real PostgreSQL and Redis servers for tests, started from the host's Debian packages
in temporary directories on free ports, and torn down afterwards."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_port(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def _pg_bindir() -> Path:
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries not found; expected /usr/lib/postgresql/<v>/bin. "
        "Install them with 'apt-get install postgresql' or set PG_BINDIR."
    )


def missing_tools() -> list[str]:
    missing = []
    try:
        _pg_bindir()
    except RuntimeError:
        missing.append("postgresql")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    return missing


class PostgresServer:
    """A throwaway cluster; run as the 'postgres' system user when we are root."""

    def __init__(self, listen: str = "127.0.0.1") -> None:
        self.listen = listen
        self.host = "127.0.0.1"
        self.port = free_port()
        self.superuser = "postgres"
        self.password = secrets.token_hex(12)
        self.dir = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data = self.dir / "data"
        self.bindir = _pg_bindir()
        self._prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")  # initdb refuses to run as root
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._prefix, *args], check=True, capture_output=True, text=True)

    def start(self) -> PostgresServer:
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password)
        if self._prefix:
            shutil.chown(pwfile, "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.superuser,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-sync",
        )
        pwfile.unlink()
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host all all 0.0.0.0/0 scram-sha-256\n")
        self.resume()
        return self

    def resume(self) -> None:
        opts = (
            f"-c listen_addresses={self.listen} -c port={self.port} "
            f"-c unix_socket_directories={self.dir} -c fsync=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-t",
            "30",
            "-o",
            opts,
            "-l",
            str(self.dir / "log"),
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def createdb(self, name: str) -> None:
        """Create a database owned by the superuser (needs only the server's own tools)."""
        subprocess.run(
            [
                str(self.bindir / "createdb"),
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.superuser,
                name,
            ],
            env={**os.environ, "PGPASSWORD": self.password},
            check=True,
            capture_output=True,
        )

    def create_database(self, name: str, owner: str, password: str) -> None:
        import psycopg

        with psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.superuser,
            password=self.password,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,)).fetchone()
            if not exists:
                conn.execute(f"CREATE ROLE \"{owner}\" LOGIN PASSWORD '{password}'")
            conn.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')


class RedisServer:
    def __init__(self, listen: str = "127.0.0.1") -> None:
        self.listen = listen
        self.host = "127.0.0.1"
        self.port = free_port()
        self.password = secrets.token_hex(12)
        self.dir = Path(tempfile.mkdtemp(prefix="assistant-redis-"))
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        conf = self.dir / "redis.conf"
        # Password in a 0600 file, not on the command line.
        conf.write_text(
            f'port {self.port}\nbind {self.listen}\nprotected-mode no\nsave ""\n'
            f"appendonly no\ndir {self.dir}\nrequirepass {self.password}\n"
        )
        conf.chmod(0o600)
        self.proc = subprocess.Popen(
            ["redis-server", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_port(self.host, self.port)
        return self

    def close(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
