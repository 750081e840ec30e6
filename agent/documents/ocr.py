"""Reading photos and scans: Debian's `tesseract` for the words, `pdftoppm` to turn a scanned PDF's pages
into images, and a layout text rebuilt from the word boxes so the same deterministic extractor reads it.

Why the commands and not a Python binding: pytesseract is itself a wrapper that runs the same command,
and what the extractor needs is tesseract's TSV output (every word with its box), from which
`layout_text` rebuilds columns as runs of spaces, the way pypdf's layout mode prints a PDF. Both tools
are optional: without them `OcrUnavailable` says what to install, and the file is kept for a person.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The seven languages of the label vocabularies, as tesseract names them (Debian: tesseract-ocr-fra ...).
LANGUAGES = ("fra", "eng", "deu", "spa", "ita", "nld", "por")
INSTALL_HINT = "apt install tesseract-ocr " + " ".join(f"tesseract-ocr-{code}" for code in LANGUAGES)
RENDER_DPI = 300
TIMEOUT_SECONDS = 180


class OcrUnavailable(Exception):
    """OCR is needed but cannot run on this machine; the message says what to install."""


class OcrFailed(Exception):
    """OCR ran but could not read the file."""


@dataclass(frozen=True)
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int


@functools.cache
def installed_languages() -> tuple[str, ...]:
    """The ones of our seven languages that tesseract has data for; empty when tesseract is missing."""
    if shutil.which("tesseract") is None:
        return ()
    listed = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.split()
    return tuple(code for code in LANGUAGES if code in listed)


def image_text(image: bytes) -> str:
    """The layout text of one image (PNG, JPEG, TIFF...)."""
    languages = installed_languages()
    if not languages:
        raise OcrUnavailable(
            f"reading images needs OCR, and tesseract is not installed here ({INSTALL_HINT})"
        )
    # One thread per tesseract: its OpenMP threads fight each other on small machines (15 s against 3 s
    # for one page here), and the service reads documents one at a time anyway.
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    result = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "+".join(languages), "--psm", "3", "tsv"],
        input=image,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        env=environment,
        check=False,
    )
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise OcrFailed(f"tesseract could not read the image ({reason[-1] if reason else 'no reason given'})")
    return layout_text(words_from_tsv(result.stdout.decode("utf-8", errors="replace")))


def pdf_page_images(data: bytes) -> list[bytes]:
    """Each page of a PDF as a grey PNG, rendered by pdftoppm (poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        raise OcrUnavailable(
            "reading a scanned PDF needs pdftoppm to render its pages (apt install poppler-utils)"
        )
    with tempfile.TemporaryDirectory(prefix="relance-ocr-") as folder:
        result = subprocess.run(
            ["pdftoppm", "-r", str(RENDER_DPI), "-gray", "-png", "-", str(Path(folder) / "page")],
            input=data,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        pages = sorted(Path(folder).glob("page*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[-1]))
        if result.returncode != 0 or not pages:
            raise OcrFailed(
                f"pdftoppm could not render the PDF ({result.stderr.decode(errors='replace').strip()})"
            )
        return [page.read_bytes() for page in pages]


def words_from_tsv(tsv: str) -> list[Word]:
    """The recognised words of tesseract's TSV output (level 5 rows), with their boxes in pixels."""
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row.get("conf") or -1) < 0:
            continue
        box = (int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]))
        words.append(Word(text, *box))
    return words


def layout_text(words: list[Word]) -> str:
    """Words back into lines of text, each at the column where it stands on the page.

    Tesseract orders words by the blocks it found, so one printed row split into two columns comes out
    as two far-apart lines. Here words are grouped by their vertical centre into rows, placed at
    `left / character width`, and a wide gap between two words of a row becomes at least three spaces:
    the column break the extractor looks for. A tall gap between rows becomes a blank line, as between
    the blocks of a printed page.
    """
    if not words:
        return ""
    char_width = statistics.median(w.width / len(w.text) for w in words) or 1.0
    line_height = statistics.median(w.height for w in words) or 1
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.top + w.height / 2):
        centre = word.top + word.height / 2
        if rows and abs(centre - _centre(rows[-1])) <= line_height * 0.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    lines: list[str] = []
    previous_centre: float | None = None
    for row in rows:
        centre = _centre(row)
        if previous_centre is not None and centre - previous_centre > line_height * 2.2:
            lines.append("")
        previous_centre = centre
        line, previous = "", None
        for word in sorted(row, key=lambda w: w.left):
            column = round(word.left / char_width)
            if previous is None:
                line = " " * column + word.text
            elif word.left - (previous.left + previous.width) <= _letter_width(previous, word) * 2.5:
                line += " " + word.text  # words of one phrase: one space, whatever their font size
            else:
                line = line.ljust(max(column, len(line) + 3)) + word.text
            previous = word
        lines.append(line.rstrip())
    return "\n".join(lines)


def _letter_width(*words: Word) -> float:
    """A letter's width in these words: a title's large letters space their words more widely."""
    return max(w.width / len(w.text) for w in words)


def _centre(row: list[Word]) -> float:
    return statistics.median(w.top + w.height / 2 for w in row)
