"""Big base64 bodies kept out of the e-mail parser, so a 25 MB attachment costs about its own size.

Python's e-mail parser holds a part's body as a list of lines, then as text, then decoded: a 34 MB
message took some 250 MB to parse. Before parsing, every long run of base64 lines is cut out of the
message and replaced by a short placeholder line; the parser sees the small skeleton, and a part whose
body is a placeholder is decoded straight from the raw bytes (one copy, the decoded file). Its size is
known before decoding, so a file over the limit is never decoded at all.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

# A base64 line, and the last line of a body (often shorter, padded with "="), which belongs to the run.
# Matched line by line (a regex over the whole run keeps a backtracking stack of twice its size).
LINE = re.compile(rb"[A-Za-z0-9+/]{40,998}\r?\n")
LAST_LINE = re.compile(rb"[A-Za-z0-9+/]{0,998}={0,2}\r?\n")
SMALLEST_RUN = 2000  # lines of 76 characters: a body under ~150 kB is left to the parser (cheap enough)
PLACEHOLDER = "RELANCE-BIG-BODY-{}-{}"
PLACEHOLDER_LINE = re.compile(r"^\s*RELANCE-BIG-BODY-([0-9a-f]{8})-(\d+)\s*$")


@dataclass(frozen=True)
class BigBodies:
    raw: bytes
    spans: list[tuple[int, int]]
    nonce: str  # so that a sender cannot write a placeholder of their own into the message

    def index_of(self, payload: object) -> int | None:
        if not isinstance(payload, str) or len(payload) > 100:
            return None
        found = PLACEHOLDER_LINE.match(payload)
        if not found or found.group(1) != self.nonce or int(found.group(2)) >= len(self.spans):
            return None
        return int(found.group(2))

    def decoded_size(self, index: int) -> int:
        start, end = self.spans[index]
        characters = end - start - self.raw.count(b"\n", start, end) - self.raw.count(b"\r", start, end)
        return characters * 3 // 4

    def decode(self, index: int) -> bytes:
        start, end = self.spans[index]
        return binascii.a2b_base64(memoryview(self.raw)[start:end])  # line breaks are skipped

    def original(self, index: int) -> str:
        """The text cut out, for a part that was not base64 after all (it is then read as written)."""
        start, end = self.spans[index]
        return self.raw[start:end].decode("ascii")


def base64_runs(raw: bytes) -> list[tuple[int, int]]:
    """Where the long runs of base64 lines are, found without copying the message."""
    runs: list[tuple[int, int]] = []
    position, size = 0, len(raw)
    while position < size:
        line = LINE.match(raw, position)
        if line is None:
            following = raw.find(b"\n", position)
            if following < 0:
                break
            position = following + 1
            continue
        start, count = position, 0
        while line is not None:
            count, position = count + 1, line.end()
            line = LINE.match(raw, position)
        last = LAST_LINE.match(raw, position)
        position = last.end() if last else position
        if count >= SMALLEST_RUN:
            runs.append((start, position))
    return runs


def cut_big_bodies(raw: bytes, nonce: str) -> tuple[bytes, BigBodies]:
    """The message with its long base64 runs replaced by placeholders, and what was cut."""
    spans = base64_runs(raw)
    if not spans:
        return raw, BigBodies(raw, [], nonce)
    pieces: list[bytes] = []
    position = 0
    for index, (start, end) in enumerate(spans):
        pieces += [raw[position:start], PLACEHOLDER.format(nonce, index).encode() + b"\n"]
        position = end
    pieces.append(raw[position:])
    return b"".join(pieces), BigBodies(raw, spans, nonce)
