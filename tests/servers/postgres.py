"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests: initdb, start, a URL, stop.

PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user (created by the
Debian package). Its directory sits directly under /tmp so that user can reach it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_bin_dir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int
    user: str | None  # the system user the server runs as, None when not root

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(
            command,
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        root = Path(tempfile.mkdtemp(prefix="relance-pg-", dir="/tmp"))
        user = "postgres" if os.geteuid() == 0 else None
        root.chmod(0o755)
        if user:
            shutil.chown(root, user=user, group=user)
        server = cls(bin_dir=bin_dir, root=root, port=_free_port(), user=user)
        server._run(
            "initdb",
            "-D",
            str(root / "data"),
            "-U",
            "relance",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-instructions",
        )
        server._run(
            "pg_ctl",
            "-D",
            str(root / "data"),
            "-l",
            str(root / "server.log"),
            "-w",
            "-o",
            f"-h 127.0.0.1 -p {server.port} -k {root} -F",
            "start",
        )
        return server

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://relance@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=relance dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
