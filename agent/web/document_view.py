"""A recorded document's pages as pictures, for the invoice page.

A browser shows a PDF in a frame with its own viewer, but not every browser has one (headless ones, many
phones), so the page shows the document's pages as PNG images rendered by poppler's `pdftoppm` (the OCR
path's tool already), each a link to the PDF itself. Without pdftoppm the page falls back to the frame.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

MAX_PAGES = 3  # an invoice's first pages say what a person checks; the PDF link has the rest
DPI = 110


def can_render() -> bool:
    return shutil.which("pdftoppm") is not None


def page_count(path: Path) -> int:
    try:
        return len(PdfReader(path).pages)
    except Exception:  # a damaged PDF: the page offers the file itself
        return 0


def page_png(path: Path, page: int) -> bytes | None:
    """Page `page` (from 1) as a PNG, or None when it cannot be rendered."""
    if not can_render() or not 1 <= page <= MAX_PAGES:
        return None
    result = subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI), "-png", "-singlefile", str(path)],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return result.stdout if result.returncode == 0 and result.stdout else None
