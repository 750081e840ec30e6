"""The demo's story, run against the real agent on the embedded defaults.

A French company's finance team forwards three invoices (French, British and German customers) and,
a few days later, a credit note. The agent asks finance for the three missing contacts; finance
answers by e-mail in three different styles; the simulated clock then runs through the plans; two
payments arrive in a bank CSV and stop their invoices' reminders, while the third customer receives
every step up to the final notice. In December an invoice comes from the company's other billing tool,
whose due date the agent cannot find: it asks finance, who corrects it by reply.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from agent.clock import FixedClock
from agent.demo.pdfs import DemoDocument, Party, render_pdf
from agent.flow.digest import WEEKDAYS, send_weekly_digest
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.runtime import Runtime
from agent.settings import CompanySettings, DigestSettings, Settings

START = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)  # a Monday morning, Paris time 08:30
END = date(2027, 1, 5)  # the demo stops here; the last invoice's steps are still ahead
D = Decimal

COMPANY = CompanySettings(
    name="Atelier Numérique SAS",
    vat_id="FR44732829320",
    country="FR",
    collections_address="recouvrement@atelier-numerique.example",
    finance_address="compta@atelier-numerique.example",
    timezone="Europe/Paris",
    default_language="fr",
    sender_name="Atelier Numérique – Comptabilité",
)
SUPPLIER = Party("Atelier Numérique SAS", ("12 rue de la République", "69002 Lyon, France"), "FR44732829320")
DUPONT = Party("Boulangerie Dupont SARL", ("8 place Bellecour", "69002 Lyon", "France"), "FR96412345670")
NORTHWIND = Party(
    "Northwind Trading Ltd", ("221 Baker Street", "London NW1 6XE", "United Kingdom"), "GB314159228"
)
DUPONT_TRANSFER = (
    "2026-12-09",
    "1 440,00",
    "EUR",
    "VIR BOULANGERIE DUPONT FACT F 2026 0412",
    "BOULANGERIE DUPONT",
)
NORTHWIND_TRANSFER = (
    "2026-12-14",
    "2 150,00",
    "GBP",
    "Payment ref INV-2026-0413 less credit",
    "Northwind Trading",
)
MULLER = Party(
    "Müller Maschinenbau GmbH", ("Königstraße 28", "70173 Stuttgart", "Deutschland"), "DE271828180"
)


def demo_documents() -> dict[str, DemoDocument]:
    issued = START.date()
    return {
        "F-2026-0412": DemoDocument(
            language="fr",
            kind="invoice",
            number="F-2026-0412",
            issue_date=issued,
            currency="EUR",
            supplier=SUPPLIER,
            customer=DUPONT,
            tax_rate=D("20"),
            due_date=issued + timedelta(days=30),
            lines=[
                ("Refonte du site vitrine", D("1"), D("950.00")),
                ("Maintenance mensuelle", D("2"), D("125.00")),
            ],
            notes=[
                "En cas de retard de paiement, indemnité forfaitaire pour frais de recouvrement : 40 EUR."
            ],
        ),
        "INV-2026-0413": DemoDocument(
            language="en",
            kind="invoice",
            number="INV-2026-0413",
            issue_date=issued,
            currency="GBP",
            supplier=SUPPLIER,
            customer=NORTHWIND,
            tax_rate=D("0"),
            due_date=issued + timedelta(days=30),
            lines=[
                ("E-commerce integration", D("1"), D("1800.00")),
                ("Training session", D("2"), D("350.00")),
            ],
            notes=["VAT reverse charge: the customer accounts for the VAT."],
        ),
        "R-2026-0414": DemoDocument(
            language="de",
            kind="invoice",
            number="R-2026-0414",
            issue_date=issued,
            currency="EUR",
            supplier=SUPPLIER,
            customer=MULLER,
            tax_rate=D("0"),
            terms_days=14,
            lines=[
                ("Entwicklung Kundenportal", D("1"), D("2800.00")),
                ("Hosting (Jahr)", D("1"), D("460.00")),
            ],
            notes=["Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge)."],
        ),
        "F-2026-0468": DemoDocument(
            language="fr",
            kind="invoice",
            number="F-2026-0468",
            issue_date=date(2026, 12, 21),
            currency="EUR",
            supplier=SUPPLIER,
            customer=DUPONT,
            tax_rate=D("20"),
            due_date=date(2027, 1, 20),
            lines=[("Campagne newsletter de janvier", D("1"), D("640.00"))],
            # From the company's other billing tool, which words the due date its own way: the agent
            # finds no due date, asks finance, and learns the place from finance's correction.
            labels={"due": "Règlement attendu le"},
        ),
        "AV-2026-0007": DemoDocument(
            language="en",
            kind="credit_note",
            number="AV-2026-0007",
            issue_date=issued + timedelta(days=3),
            currency="GBP",
            supplier=SUPPLIER,
            customer=NORTHWIND,
            tax_rate=D("0"),
            referenced_invoice="INV-2026-0413",
            lines=[("Training session cancelled", D("1"), D("350.00"))],
        ),
    }


def forward(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    files: list[tuple[str, bytes]],
    at: datetime,
    message_id: str,
    in_reply_to: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"], message["Message-ID"] = format_datetime(at), message_id
    if in_reply_to:
        message["In-Reply-To"], message["References"] = in_reply_to, in_reply_to
    message.set_content(body)
    for name, data in files:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


class DemoFolderNotEmpty(ValueError):
    pass


@dataclass
class DemoResult:
    data_dir: Path
    settings: Settings
    ended_at: datetime


def run_demo(data_dir: Path | None = None) -> DemoResult:
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="relance-demo-"))
    if data_dir.exists() and any(data_dir.iterdir()):
        raise DemoFolderNotEmpty(f"{data_dir} is not empty: the demo needs a new folder (or none)")
    data_dir.mkdir(parents=True, exist_ok=True)
    write_config(data_dir / "relance.toml", COMPANY)  # later commands on this folder use the same company
    # The weekly digest is off in the demo (a digest every Monday would crowd its outbox): one is sent at
    # its end, to show it.
    settings = Settings(data_dir=data_dir, company=COMPANY, digest=DigestSettings(enabled=False))
    clock = FixedClock(START)
    runtime = Runtime.open(settings, clock)
    inbox, outbox = runtime.inbox(), MaildirOutbox(settings.outbox_path)
    intake_address = "factures@atelier-numerique.example"
    docs = {number: render_pdf(doc) for number, doc in demo_documents().items()}
    (data_dir / "demo-documents").mkdir(exist_ok=True)
    for number, pdf in docs.items():
        (data_dir / "demo-documents" / f"{number}.pdf").write_bytes(pdf)

    with Agent(runtime) as agent:
        # Day 0, 08:30 Paris: two forwards, one of them a batch of two invoices.
        inbox.deliver(
            forward(
                sender=COMPANY.finance_address,
                to=intake_address,
                at=clock.now(),
                subject="Factures de novembre",
                body="Bonjour, voici les factures du jour.",
                message_id="<fwd-1@atelier-numerique.example>",
                files=[("F-2026-0412.pdf", docs["F-2026-0412"]), ("R-2026-0414.pdf", docs["R-2026-0414"])],
            )
        )
        inbox.deliver(
            forward(
                sender=COMPANY.finance_address,
                to=intake_address,
                at=clock.now(),
                subject="Fwd: Invoice INV-2026-0413",
                body="Northwind, see attached.",
                message_id="<fwd-2@atelier-numerique.example>",
                files=[("INV-2026-0413.pdf", docs["INV-2026-0413"])],
            )
        )
        agent.tick()

        # Day 0, 11:00: finance answers the three contact requests, each in its own words.
        clock.advance(timedelta(hours=3, minutes=30))
        answers = {
            "Boulangerie Dupont SARL": "Marie Dupont, marie.dupont@boulangerie-dupont.fr, français",
            "Northwind Trading Ltd": "contact is John Smith <accounts@northwind-trading.co.uk>, English",
            "Müller Maschinenbau GmbH": "Ansprechpartner: Hans Müller, buchhaltung@mueller-maschinenbau.de, "
            "Deutsch\n\nViele Grüße\n-- \nCompta",
        }
        for request in outbox.messages():
            for account_name, answer in answers.items():
                if account_name in str(request["Subject"]) and "[relance" in str(request["Subject"]):
                    inbox.deliver(
                        forward(
                            sender=COMPANY.finance_address,
                            to=COMPANY.collections_address,
                            at=clock.now(),
                            subject=f"Re: {request['Subject']}",
                            body=f"{answer}\n\n> (demande d'origine)\n",
                            message_id=f"<answer-{len(account_name)}-{request['Message-ID'].strip('<>').split('@')[0]}@demo>",
                            in_reply_to=str(request["Message-ID"]),
                            files=[],
                        )
                    )
        agent.tick()

        # Then the clock runs day by day; the credit note and two payments arrive on the way.
        events = {
            date(2026, 11, 5): lambda: inbox.deliver(
                forward(
                    sender=COMPANY.finance_address,
                    to=intake_address,
                    at=clock.now(),
                    subject="Avoir Northwind",
                    body="Avoir pour la formation annulée.",
                    message_id="<fwd-3@atelier-numerique.example>",
                    files=[("AV-2026-0007.pdf", docs["AV-2026-0007"])],
                )
            ),
            # A second invoice for a customer whose contact is known: its plan starts at once, no task.
            date(2026, 12, 21): lambda: inbox.deliver(
                forward(
                    sender=COMPANY.finance_address,
                    to=intake_address,
                    at=clock.now(),
                    subject="Facture Dupont janvier",
                    body="Nouvelle facture.",
                    message_id="<fwd-4@atelier-numerique.example>",
                    files=[("F-2026-0468.pdf", docs["F-2026-0468"])],
                )
            ),
            # Finance answers the check the agent asked for: the due date, as printed on the invoice.
            date(2026, 12, 22): lambda: inbox.deliver(
                answer_review(
                    outbox, "F-2026-0468", "Bonjour,\n\nÉchéance : 20/01/2027\n\nMerci", clock.now()
                )
            ),
            date(2026, 12, 10): lambda: agent.import_payments(_bank_csv(data_dir, [DUPONT_TRANSFER])),
            # The next export repeats the Dupont line: it must be recognised, not counted twice.
            date(2026, 12, 15): lambda: agent.import_payments(
                _bank_csv(data_dir, [NORTHWIND_TRANSFER, DUPONT_TRANSFER])
            ),
        }
        day = START.date()
        while day <= END:
            clock.set(datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC))  # inside every window
            if day in events:
                events[day]()
            agent.tick()
            day += timedelta(days=1)
        show_digest = DigestSettings(enabled=True, weekday=WEEKDAYS[clock.now().weekday()], at=time(0))
        send_weekly_digest(
            replace(runtime, settings=settings.model_copy(update={"digest": show_digest})), now=clock.now()
        )
    return DemoResult(data_dir=data_dir, settings=settings, ended_at=clock.now())


def answer_review(outbox: MaildirOutbox, number: str, words: str, at: datetime) -> bytes:
    """Finance's reply to the agent's request to check document `number`."""
    request = next(
        m
        for m in outbox.messages()
        if "[relance" in str(m["Subject"]) and f"document {number}" in str(m["Subject"])
    )
    return forward(
        sender=COMPANY.finance_address,
        to=COMPANY.collections_address,
        at=at,
        subject=f"Re: {request['Subject']}",
        body=f"{words}\n\n> (demande d'origine)\n",
        message_id=f"<check-{number}@demo>",
        in_reply_to=str(request["Message-ID"]),
        files=[],
    )


def write_config(path: Path, company: CompanySettings) -> None:
    """The demo's company as a relance.toml in its data directory."""
    lines = ["# Written by `relance demo`: the company this data directory belongs to.", "[company]"]
    for key, value in company.model_dump().items():
        if isinstance(value, str):
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")  # a JSON string is a TOML string
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _bank_csv(data_dir: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A French bank export: semicolons, decimal commas, a BOM."""
    path = data_dir / f"bank-{len(list(data_dir.glob('bank-*.csv'))) + 1}.csv"
    lines = ["Date;Montant;Devise;Libellé;Tiers"] + [";".join(row) for row in rows]
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    return path
