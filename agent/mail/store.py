"""Content-addressed storage for raw bytes (messages and attachments).

A file is written once under its sha256 and never changed, so keeping "every raw message before
touching it" is a single atomic rename, and storing the same bytes twice costs nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_digest(raw: bytes, *, chunk: int = 1 << 20) -> str:
    """The identity of a message: the sha256 of its bytes with CRLF line endings read as LF (servers
    hand the same message back with either). Hashed by chunks: never a second copy of a big message."""
    hasher = hashlib.sha256()
    view, carry = memoryview(raw), b""
    for start in range(0, len(raw), chunk):
        piece = carry + bytes(view[start : start + chunk])
        carry = b"\r" if piece.endswith(b"\r") else b""  # a CRLF may straddle two chunks
        hasher.update((piece[:-1] if carry else piece).replace(b"\r\n", b"\n"))
    hasher.update(carry)
    return hasher.hexdigest()


class RawStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes, suffix: str = "") -> tuple[str, str]:
        """Store `data`; returns (sha256, path relative to the store)."""
        digest = sha256_hex(data)
        relative = f"{digest[:2]}/{digest}{suffix}"
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)  # atomic: a crash leaves either nothing or the whole file
        return digest, relative

    def get(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def path(self, relative: str) -> Path:
        return self.root / relative
