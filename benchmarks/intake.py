"""Intake throughput: messages with PDF invoices, from a real Dovecot mailbox into the database.

    .venv/bin/python -m benchmarks.intake [--messages 1000] [--json]   (from the repo root, as root: it starts
                                                                         its own Dovecot on loopback)

Each message carries one invoice PDF (generated, varied numbers and customers); they are APPENDed to
the mailbox first, then one `tick` reads, keeps, extracts, records and settles them all, as
`relance run` would. Reported: documents per second end to end, and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from imapclient import IMAPClient
from stdnum import luhn

from agent.clock import FixedClock
from agent.demo.pdfs import DemoDocument, Party, render_pdf
from agent.flow.service import Agent
from agent.runtime import Runtime
from agent.settings import CompanySettings, MailboxSettings, Settings
from tests.conftest import make_email
from tests.servers.dovecot import PASSWORD, DovecotServer

SUPPLIER = Party("Bench Supplier SAS", ("1 rue de la Paix", "75002 Paris, France"), "FR44732829320")


def french_vat(base8: str) -> str:
    """A valid French VAT id (a Luhn-checked SIREN and its key) for a made-up company."""
    siren = base8 + luhn.calc_check_digit(base8)
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def pdf_for(index: int) -> bytes:
    number = index % 97  # 97 customers, about ten invoices each
    customer = Party(
        f"Client Numéro {number} SARL",
        (f"{number} avenue Jean Jaurès", "69007 Lyon", "France"),
        french_vat(f"{41200000 + number:08d}"),
    )
    return render_pdf(
        DemoDocument(
            language="fr",
            kind="invoice",
            number=f"B-2026-{index:05d}",
            issue_date=date(2026, 11, 2),
            currency="EUR",
            supplier=SUPPLIER,
            customer=customer,
            tax_rate=Decimal("20"),
            due_date=date(2026, 12, 2),
            lines=[("Prestation", Decimal("1"), Decimal(100 + index))],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server = DovecotServer.start()
    try:
        mailbox = MailboxSettings(
            kind="imap",
            host="127.0.0.1",
            port=server.imap_port,
            security="none",
            user="bench@example.test",
            password=PASSWORD,
        )
        client = IMAPClient("127.0.0.1", port=server.imap_port, ssl=False)
        client.login("bench@example.test", PASSWORD)
        for index in range(args.messages):
            client.append(
                "INBOX",
                make_email(sender="finance@bench.example", files=[(f"B-{index}.pdf", pdf_for(index))]),
            )
        client.logout()
        data_dir = Path(tempfile.mkdtemp(prefix="relance-bench-"))
        company = CompanySettings(name="Bench Supplier SAS", finance_address="finance@bench.example")
        runtime = Runtime.open(Settings(data_dir=data_dir, company=company, mailbox=mailbox), FixedClock())
        with Agent(runtime) as agent:
            started = time.perf_counter()
            report = agent.tick()
            elapsed = time.perf_counter() - started
        result = {
            "messages": len(report.received),
            "seconds": round(elapsed, 1),
            "documents_per_second": round(len(report.received) / elapsed, 1),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    finally:
        server.remove()
    summary = (
        f"{result['messages']} messages in {result['seconds']} s: "
        f"{result['documents_per_second']} documents/s, peak RSS {result['peak_rss_mib']} MiB"
    )
    print(json.dumps(result) if args.json else summary)


if __name__ == "__main__":
    main()
