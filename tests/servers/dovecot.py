"""A throwaway Dovecot (IMAP + LMTP) on 127.0.0.1 for the tests, configured from scratch.

Pitfalls it avoids (see docs/mail-test-servers.md): the auth process runs as `dovecot`
and must traverse the state directory (so it lives directly under /tmp, mode 755); mail is not
accessed as root (the `mail` user owns the Maildirs); the daemon keeps stdio open after it forks (so
it gets files, never pipes); the static passdb accepts any user with one password.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.servers.tls import make_certificate

PASSWORD = "test-password"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
first_valid_gid = 8
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = home={root}/mail/%u allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None and os.geteuid() == 0


@dataclass
class DovecotServer:
    root: Path
    imap_port: int  # plain, and STARTTLS
    imaps_port: int  # TLS from the first byte
    lmtp_port: int

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def certificate(self) -> Path:
        return self.root / "cert.pem"

    @classmethod
    def start(cls) -> DovecotServer:
        if shutil.which("dovecot") is None:
            raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)")
        root = Path(tempfile.mkdtemp(prefix="relance-dovecot-", dir="/tmp"))
        root.chmod(0o755)
        (root / "mail").mkdir()
        shutil.chown(root / "mail", user="mail", group="mail")
        make_certificate(root)
        server = cls(root=root, imap_port=_free_port(), imaps_port=_free_port(), lmtp_port=_free_port())
        server.config.write_text(
            CONFIG.format(
                root=root,
                password=PASSWORD,
                imap_port=server.imap_port,
                imaps_port=server.imaps_port,
                lmtp_port=server.lmtp_port,
            )
        )
        with (root / "stdout.log").open("wb") as out, (root / "stderr.log").open("wb") as err:
            subprocess.run(
                ["dovecot", "-c", str(server.config)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                check=True,
                timeout=30,
            )
        server.wait_until_listening()
        return server

    def wait_until_listening(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.imap_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(
            f"dovecot did not listen on {self.imap_port}: {(self.root / 'dovecot.log').read_text()}"
        )

    def stop(self) -> None:
        subprocess.run(
            ["doveadm", "-c", str(self.config), "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
        pid_file = self.root / "run" / "master.pid"
        deadline = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        with (self.root / "stdout.log").open("ab") as out, (self.root / "stderr.log").open("ab") as err:
            subprocess.run(
                ["dovecot", "-c", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                check=True,
                timeout=30,
            )
        self.wait_until_listening()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
