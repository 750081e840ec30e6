"""Fetch the public invoice PDFs of layouts this project was not developed on (see README.md beside this).

    .venv/bin/python -m benchmarks.public_pdfs.fetch [--into ~/.cache/relance/public_pdfs]

Two kinds of files, none committed here (their licences or their size):
- test fixtures of the OCA Odoo invoice-import add-ons on PyPI: the ZUGFeRD 1.0 sample invoices (AWV
  e.V., layout of 2014, XML embedded) and an invoice printed by Odoo (truth from that add-on's test);
- invoices drawn by three public billing libraries (erechnung, eu-einvoice, facturex; MIT), in a
  virtual environment of their own, with made-up data and fixed seeds (`make_tools.py`).
Pinned versions, so that a developer gets the same files. Needs the PyPI registry; nothing else.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

DEFAULT = Path.home() / ".cache" / "relance" / "public_pdfs"
WHEELS = {  # package==version: the files kept from its wheel
    "odoo-addon-account-invoice-import-facturx==18.0.1.1.0.2": "tests/files/ZUGFeRD_1p0_",
    "odoo-addon-account-invoice-import-simple-pdf==18.0.1.1.0.3": "tests/pdf/akretion_france-test.pdf",
}
TOOLS = [
    "erechnung==0.3.0",
    "eu-einvoice==1.0.0",
    "facturex[pdf]==0.6.4",
    "factur-x==7.8",
    "reportlab==5.1.0",
]
# The Odoo-printed invoice has no XML: its truth is what the add-on's own test asserts
# (account_invoice_import_simple_pdf/tests/test_invoice_import.py, test_complete_import).
AKRETION_TRUTH = {
    "document_type": "invoice",
    "number": "VT/2022/0001",
    "issue_date": "2022-09-21",
    "due_date": "2022-10-21",
    "currency": "EUR",
    "total_gross": "1810.80",
    "total_net": "1509.00",
    "amount_due": "1810.80",
}


def fetch(into: Path) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for requirement in WHEELS:
            pip = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, requirement]
            subprocess.run(pip, check=True)
        for wheel in Path(tmp).glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    if name.endswith(".pdf") and any(w in name for w in WHEELS.values()):
                        (into / Path(name).name).write_bytes(archive.read(name))
    (into / "akretion_france-test.truth.json").write_text(json.dumps(AKRETION_TRUTH, indent=1))
    tools = into / ".tools"
    if not (tools / "bin" / "python").exists():
        venv.create(tools, with_pip=True)
    subprocess.run([str(tools / "bin" / "pip"), "install", "-q", *TOOLS], check=True)
    script = Path(__file__).with_name("make_tools.py")
    subprocess.run([str(tools / "bin" / "python"), str(script), str(into)], check=True, capture_output=True)
    return sorted(into.glob("*.pdf"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--into", type=Path, default=DEFAULT)
    files = fetch(parser.parse_args().into)
    print(f"{len(files)} PDFs in {files[0].parent if files else '-'}")


if __name__ == "__main__":
    main()
