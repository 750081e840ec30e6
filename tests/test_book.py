"""The book at a glance: every figure computed by hand on small books recorded through the product's own
paths (documents recorded by intake, payments imported, reminders dispatched, customers' replies read,
finance's pause), on the bucket, week, period and promise boundaries."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import select

from agent.customers.replies import handle_customer_reply, resume_broken_promises
from agent.db import session_scope
from agent.documents.schema import ExtractedDocument, Party
from agent.flow.intake import record_documents
from agent.ledger.accounts import add_contact
from agent.mail.parse import ParsedMessage
from agent.models import Account, Document, Invoice, Reminder
from agent.payments.importing import import_lines
from agent.payments.lines import PaymentLine
from agent.reminders.dispatch import dispatch_due
from agent.reminders.schedule import plan_reminders
from agent.reminders.steering import pause
from agent.runtime import Runtime
from agent.views.book import as_json, book, countback

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # a Saturday; 11:00 in Paris, the company's zone
D = Decimal
_serial = itertools.count(1)


def record(
    runtime: Runtime,
    customer: str,
    number: str,
    amount: str,
    *,
    issued: date,
    due: date | None = None,
    currency: str = "EUR",
    kind: str = "invoice",
    referenced: str | None = None,
) -> int:
    """An invoice or credit note as intake records it: a document read, then `record_documents` (the
    account matched or created, a credit note applied to the invoice it references)."""
    extraction = ExtractedDocument(
        source="text", document_type=kind, number=number, issue_date=issued, due_date=due,  # type: ignore[arg-type]
        currency=currency, total_gross=D(amount), amount_due=D(amount), customer=Party(name=customer),
        referenced_invoice=referenced,
    )  # fmt: skip
    with session_scope(runtime.engine) as session:
        document = Document(
            filename=f"{number}.pdf", content_hash=f"{next(_serial):064d}", raw_path="-", kind=kind,
            method="text", extraction=extraction.as_json(), created_at=runtime.clock.now(),
        )  # fmt: skip
        session.add(document)
        session.flush()
        document_id = document.id or 0
    invoices, credit_notes = record_documents(runtime, [document_id])
    return (invoices or credit_notes)[0]


def pay(runtime: Runtime, amount: str, received_on: date, *numbers: str, currency: str = "EUR") -> None:
    """A payment from the bank, imported and matched as every source's payments are."""
    line = PaymentLine(
        external_id=f"BANK-{next(_serial)}", received_on=received_on, amount=D(amount), currency=currency,
        reference=" ".join(numbers) or "no reference", invoice_numbers=numbers,
    )  # fmt: skip
    with session_scope(runtime.engine) as session:
        import_lines(
            session, [line], source="api", at=runtime.clock.now(), settings=runtime.settings,
            sender=runtime.sender,
        )  # fmt: skip


def remind_and_reply(
    runtime: Runtime, invoice_id: int, *, sent_at: datetime, body: str, replied_at: datetime
) -> str:
    """The invoice's plan laid out and its step sent by the dispatcher; the customer answers that e-mail
    and the answer is read as replies are (a promise, a dispute...)."""
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        account = session.get(Account, invoice.account_id)
        assert account is not None
        add_contact(
            session, account=account, email=f"ap{invoice_id}@customer.example", language="fr", at=sent_at
        )
        plan_reminders(session, invoice=invoice, settings=runtime.settings, at=sent_at)
    dispatch_due(runtime.engine, runtime.settings, runtime.sender, now=sent_at)
    with session_scope(runtime.engine) as session:
        sent = session.exec(
            select(Reminder.message_id).where(Reminder.invoice_id == invoice_id, Reminder.state == "sent")
        ).one()
    assert sent
    runtime.clock.set(replied_at)  # type: ignore[attr-defined]
    reply = ParsedMessage(
        message_id=f"<reply-{invoice_id}@customer.example>", sender=f"ap{invoice_id}@customer.example",
        subject="Re: votre facture", date=replied_at, in_reply_to=sent, references=[sent], body_text=body,
    )  # fmt: skip
    return handle_customer_reply(runtime, 0, reply)


def day(month: int, number: int, year: int = 2026) -> date:
    return date(year, month, number)


def figure(value: object) -> tuple[str, list[int]]:
    data = as_json(value)
    return data["amount"], data["invoice_ids"]


def test_countback_as_the_conventions_note_gives_it() -> None:
    # 212k of receivables with sales of 100k, 80k, 70k: 30 + 30 + 32/70 x 30 = 73.7 days.
    assert countback(D(212_000), [D(100_000), D(80_000), D(70_000)]) == (D("73.7"), True)
    assert countback(D(500), [D(100), D(100)]) == (D("60.0"), False)  # older than the periods
    assert countback(D(150), [D(0), D(100), D(100)]) == (D("75.0"), True)  # a period without sales
    assert countback(D(150), [D(-50), D(100), D(100)]) == (D("75.0"), True)  # more credited than sold
    assert countback(D(100), [D(100)]) == (D("30.0"), True)
    assert countback(D(0), [D(100)]) == (D("0.0"), True)


def test_aging_buckets_on_their_boundaries_in_the_company_zone(runtime: Runtime) -> None:
    # 23:30 UTC on 5 December is already 6 December in Paris: days late are counted from the 6th.
    now = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    today = date(2026, 12, 6)
    ids = {}
    for days in (-1, 0, 1, 30, 31, 60, 61, 90, 91):
        due = today - timedelta(days=days)
        ids[days] = record(
            runtime, "Bornes SA", f"B-{days + 100:04d}", str(100 + days), issued=due - timedelta(30), due=due
        )
    with session_scope(runtime.engine) as session:
        page = book(session=session, now=now, settings=runtime.settings)
    (eur,), (dso,) = page.aging, page.dso
    (row,) = eur.rows
    assert dso.not_yet_due.invoice_ids == [ids[0], ids[-1]]  # the best possible DSO's receivables
    assert eur.as_of == today and eur.timezone == "Europe/Paris"
    assert {name: figure(f) for name, f in row.buckets.items()} == {
        "not_yet_due": ("199.00", [ids[0], ids[-1]]),  # due tomorrow, due today
        "1-30": ("231.00", [ids[30], ids[1]]),
        "31-60": ("291.00", [ids[60], ids[31]]),
        "61-90": ("351.00", [ids[90], ids[61]]),
        "90+": ("191.00", [ids[91]]),
    }
    assert figure(row.total)[0] == "1263.00"


def aging_book(runtime: Runtime) -> dict[str, int]:
    """Three customers, two currencies: a credit note, a part payment, an overpayment, a dispute read
    from a customer's reply, an invoice paused by finance, a paid invoice and an unmatched payment."""
    runtime.clock.set(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    ids = {
        "A1": record(runtime, "Alpha SARL", "F-2026-1001", "1000.00", issued=day(10, 21), due=day(11, 20)),
        "A2": record(runtime, "Alpha SARL", "F-2026-1002", "500.00", issued=day(11, 20), due=day(12, 20)),
        "B1": record(runtime, "Beta GmbH", "F-2026-1003", "300.00", issued=day(9, 1), due=day(10, 1)),
        "B2": record(runtime, "Beta GmbH", "F-2026-1004", "2000.00", issued=day(10, 2), due=day(11, 1),
                     currency="USD"),
        "B3": record(runtime, "Beta GmbH", "F-2026-1005", "700.00", issued=day(7, 2), due=day(8, 1),
                     currency="USD"),
        "G1": record(runtime, "Gamma Ltd", "F-2026-1006", "400.00", issued=day(11, 1), due=day(11, 30)),
    }  # fmt: skip
    ids["AV"] = record(
        runtime, "Alpha SARL", "AV-2026-01", "200.00", issued=date(2026, 11, 25), kind="credit_note",
        referenced="F-2026-1001",
    )  # fmt: skip
    pay(runtime, "120.00", date(2026, 12, 1), "F-2026-1002")  # a part payment
    pay(runtime, "450.00", date(2026, 12, 2), "F-2026-1006")  # 50.00 more than owed: credit on the account
    pay(runtime, "75.00", date(2026, 12, 4))  # nobody's: unmatched
    answer = remind_and_reply(
        runtime, ids["B3"], sent_at=datetime(2026, 11, 27, 8, 30, tzinfo=UTC),
        body="Nous ne paierons pas : la marchandise n'a jamais été reçue.",
        replied_at=datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
    )  # fmt: skip
    assert answer == "dispute"
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, ids["B1"])
        assert invoice is not None
        pause(
            session, invoice=invoice, at=runtime.clock.now(), reason="customer asked for a copy", until=None
        )
    return ids


def test_aging_per_customer_and_currency(runtime: Runtime) -> None:
    ids = aging_book(runtime)
    with session_scope(runtime.engine) as session:
        eur, usd = book(session=session, now=NOW, settings=runtime.settings).aging
    assert [(t.currency, [r.account for r in t.rows]) for t in (eur, usd)] == [
        ("EUR", ["Alpha SARL", "Beta GmbH", "Gamma Ltd"]),
        ("USD", ["Beta GmbH"]),
    ]
    alpha, beta, gamma = eur.rows
    # 1000 - 200 credited, 15 days late; 500 - 120 paid, not yet due
    assert figure(alpha.buckets["1-30"]) == ("800.00", [ids["A1"]])
    assert figure(alpha.buckets["not_yet_due"]) == ("380.00", [ids["A2"]])
    assert figure(alpha.total) == ("1180.00", [ids["A1"], ids["A2"]])
    # paused by finance: apart, in no age column (65 days late would be 61-90)
    assert figure(beta.paused) == ("300.00", [ids["B1"]])
    assert all(f.amount == 0 for f in beta.buckets.values())
    # the overpaid invoice is settled; what is left of the payment is credit, shown, not netted
    assert gamma.total.invoice_ids == [] and gamma.credit == D("50.00")
    totals = as_json(eur.totals)
    assert {name: totals["buckets"][name]["amount"] for name in ("not_yet_due", "1-30", "31-60", "90+")} == {
        "not_yet_due": "380.00", "1-30": "800.00", "31-60": "0.00", "90+": "0.00",
    }  # fmt: skip
    assert (totals["paused"]["amount"], totals["disputed"]["amount"]) == ("300.00", "0.00")
    assert (totals["total"]["amount"], totals["credit"]) == ("1480.00", "50.00")
    (beta_usd,) = usd.rows
    assert figure(beta_usd.buckets["31-60"]) == ("2000.00", [ids["B2"]])  # 34 days late
    assert figure(beta_usd.disputed) == ("700.00", [ids["B3"]])  # 126 days late, but disputed
    assert figure(beta_usd.buckets["90+"]) == ("0.00", [])
    assert figure(usd.totals.total) == ("2700.00", [ids["B3"], ids["B2"]])  # by due date


def test_payments_received_per_week(runtime: Runtime) -> None:
    ids = aging_book(runtime)
    with session_scope(runtime.engine) as session:
        received = book(session=session, now=NOW, settings=runtime.settings).payments_received
    assert list(received) == ["EUR"]
    weeks = received["EUR"]
    assert [w.week for w in weeks][-2:] == ["2026-W48", "2026-W49"] and len(weeks) == 8
    this_week = weeks[-1]
    assert this_week.week_start == date(2026, 11, 30)
    assert (this_week.received, this_week.allocated) == (
        D("645.00"),
        D("520.00"),
    )  # 120 + 450 + 75; 120 + 400
    assert this_week.invoice_ids == [ids["A2"], ids["G1"]] and len(this_week.payment_ids) == 3
    assert all(w.received == 0 for w in weeks[:-1])


def test_aging_the_same_on_postgresql(runtime: Runtime, pg_runtime: Runtime) -> None:
    """Balances are summed by the database: the same figures from SQLite's text and PostgreSQL's NUMERIC."""
    figures = []
    for each in (runtime, pg_runtime):
        aging_book(each)
        with session_scope(each.engine) as session:
            page = as_json(book(session=session, now=NOW, settings=each.settings))
        figures.append(
            {k: page[k] for k in ("aging", "dso", "cash_expected", "payments_received", "promises")}
        )
    assert figures[0] == figures[1]
    assert figures[1]["aging"][0]["totals"]["total"]["amount"] == "1480.00"


def test_dso_countback_best_possible_and_simple(runtime: Runtime) -> None:
    # 30-day periods ending 5 December: 6 Nov-5 Dec, 7 Oct-5 Nov, 7 Sep-6 Oct.
    ids = {
        "A": record(runtime, "Delta SAS", "F-2026-3001", "60000.00", issued=day(11, 6), due=day(1, 5, 2027)),
        "B": record(runtime, "Delta SAS", "F-2026-3002", "50000.00", issued=day(11, 20), due=day(11, 30)),
        "C": record(runtime, "Delta SAS", "F-2026-3003", "80000.00", issued=day(11, 5), due=day(11, 20)),
        "D": record(runtime, "Delta SAS", "F-2026-3004", "32000.00", issued=day(9, 7), due=day(10, 7)),
        "E": record(runtime, "Delta SAS", "F-2026-3005", "38000.00", issued=day(10, 6), due=day(11, 5)),
        "old": record(runtime, "Delta SAS", "F-2026-3006", "5000.00", issued=day(9, 6), due=day(10, 6)),
        "year": record(runtime, "Delta SAS", "F-2025-3007", "700", issued=day(12, 11, 2025), due=day(1, 10)),
        "older": record(runtime, "Delta SAS", "F-2025-3008", "900", issued=day(12, 10, 2025), due=day(1, 9)),
    }  # fmt: skip
    note = record(
        runtime, "Delta SAS", "AV-2026-30", "10000.00", issued=date(2026, 11, 25), kind="credit_note",
        referenced="F-2026-3002",
    )  # fmt: skip
    pay(runtime, "38000.00", date(2026, 11, 10), "F-2026-3005")
    pay(runtime, "5000.00", date(2026, 11, 10), "F-2026-3006")
    pay(runtime, "1600.00", date(2026, 1, 9), "F-2025-3007", "F-2025-3008")
    with session_scope(runtime.engine) as session:
        (eur,) = book(session=session, now=NOW, settings=runtime.settings).dso
    # receivables 60 + (50 - 10) + 80 + 32 = 212k; net sales 110 - 10 = 100k, 80k, 32 + 38 = 70k
    assert figure(eur.receivables) == ("212000.00", [ids["D"], ids["C"], ids["B"], ids["A"]])
    assert [p.net for p in eur.periods[:4]] == [D("100000.00"), D("80000.00"), D("70000.00"), D("5000.00")]
    first = eur.periods[0]
    assert (first.first_day, first.last_day) == (date(2026, 11, 6), date(2026, 12, 5))
    assert first.invoiced.invoice_ids == [ids["A"], ids["B"]] and first.credit_note_ids == [note]
    assert eur.periods[1].invoiced.invoice_ids == [ids["C"]]
    assert eur.periods[2].invoiced.invoice_ids == [ids["D"], ids["E"]]
    # the twelfth period's first day is 359 days back; the day before is out of the year looked at
    assert len(eur.periods) == 12 and eur.periods[11].first_day == date(2025, 12, 11)
    assert eur.periods[11].invoiced.invoice_ids == [ids["year"]]
    assert (eur.countback_days, eur.countback_complete) == (D("73.7"), True)
    # only A is not yet due: 60k of the last period's 100k = 18 days
    assert figure(eur.not_yet_due) == ("60000.00", [ids["A"]])
    assert eur.best_possible_days == D("18.0")
    assert eur.simple_days == D("76.3")  # 212k / 250k x 90


def promise_book(runtime: Runtime) -> dict[str, int]:
    """Promises kept (paid on the last day of grace), broken (not paid; paid a day too late), pending; a
    dispute; due dates on either side of a week's end; an invoice in dollars."""
    runtime.clock.set(datetime(2026, 10, 1, 8, 0, tzinfo=UTC))  # type: ignore[attr-defined]

    def invoice(customer: str, number: str, amount: str, due: date, currency: str = "EUR") -> int:
        return record(
            runtime, customer, number, amount, issued=due - timedelta(30), due=due, currency=currency
        )

    ids = {
        "L": invoice("Kilo SA", "F-2026-5001", "300.00", date(2026, 11, 4)),
        "J": invoice("Juliett SA", "F-2026-5002", "700.00", date(2026, 11, 16)),
        "K": invoice("India SA", "F-2026-5003", "500.00", date(2026, 11, 18)),
        "F": invoice("Foxtrot SA", "F-2026-5004", "600.00", date(2026, 11, 25)),
        "G": invoice("Golf SA", "F-2026-5005", "300.00", date(2026, 11, 26)),
        "E1": invoice("Echo SA", "F-2026-5011", "1000.00", date(2026, 12, 9)),
        "E3": invoice("Echo SA", "F-2026-5013", "400.00", date(2026, 11, 20)),
        "E4": invoice("Echo SA", "F-2026-5014", "250.00", date(2026, 12, 3)),
        "E5": invoice("Echo SA", "F-2026-5015", "800.00", date(2027, 3, 1)),
        "E7": invoice("Echo SA", "F-2026-5017", "150.00", date(2026, 12, 13)),  # a Sunday
        "E8": invoice("Echo SA", "F-2026-5018", "175.00", date(2026, 12, 14)),  # the Monday after
        "H": invoice("Hotel Inc", "F-2026-5020", "900.00", date(2026, 12, 8), currency="USD"),
    }

    def at(day: int, month: int = 11, hour: int = 8, minute: int = 30) -> datetime:
        return datetime(2026, month, day, hour, minute, tzinfo=UTC)  # 09:30 in Paris, a business day

    dispute = "Nous ne paierons pas : la marchandise n'a jamais été reçue."
    said = [
        remind_and_reply(runtime, ids[key], sent_at=at(sent), body=body, replied_at=replied)
        for key, sent, body, replied in [
            ("L", 5, "Je paierai le 10 novembre.", at(5, hour=10)),
            ("J", 17, "Je paierai le 20 novembre.", at(17, hour=10)),
            ("K", 19, "Je paierai le 25 novembre.", at(20)),
            ("F", 26, "Je paierai le 10 décembre.", at(26, hour=10)),
            ("G", 27, dispute, at(27, hour=10)),
        ]
    ]
    assert said == ["promise", "promise", "promise", "promise", "dispute"]
    pay(
        runtime, "300.00", date(2026, 11, 14), "F-2026-5001"
    )  # promised 10th: 3 days of grace end on the 13th
    pay(runtime, "500.00", date(2026, 11, 28), "F-2026-5003")  # promised 25th: paid on the last day of grace
    runtime.clock.set(NOW)  # type: ignore[attr-defined]
    assert resume_broken_promises(runtime) == ["F-2026-5002"]  # as the service does: J's plan goes on
    return ids


def test_promises_kept_broken_and_pending(runtime: Runtime) -> None:
    ids = promise_book(runtime)
    with session_scope(runtime.engine) as session:
        (eur,) = book(session=session, now=NOW, settings=runtime.settings).promises
    assert eur.grace_days == 3
    assert figure(eur.kept) == ("500.00", [ids["K"]])
    assert figure(eur.broken) == ("1000.00", [ids["L"], ids["J"]])  # paid a day late; never paid
    assert figure(eur.pending) == ("600.00", [ids["F"]])


def test_cash_expected_per_week_from_due_dates_and_promises(runtime: Runtime) -> None:
    ids = promise_book(runtime)
    with session_scope(runtime.engine) as session:
        eur, usd = book(session=session, now=NOW, settings=runtime.settings).cash_expected
    assert [w.week_start for w in eur.weeks][:3] == [
        date(2026, 11, 30),
        date(2026, 12, 7),
        date(2026, 12, 14),
    ]
    assert len(eur.weeks) == 8 and eur.weeks[0].week == "2026-W49"
    # before this week and still owed: E3 (due 20 Nov) and J (promised for 20 Nov, broken)
    assert figure(eur.overdue) == ("1100.00", [ids["J"], ids["E3"]])
    this, next_week, after = eur.weeks[:3]
    assert figure(this.due) == ("250.00", [ids["E4"]])  # due Thursday: this week, though past
    assert figure(next_week.due) == ("1150.00", [ids["E1"], ids["E7"]])  # Wednesday, Sunday
    assert figure(next_week.promised) == ("600.00", [ids["F"]])  # due 25 Nov, promised for 10 Dec
    assert next_week.total == D("1750.00")
    assert figure(after.due) == ("175.00", [ids["E8"]])  # the Monday after
    assert figure(eur.later) == ("800.00", [ids["E5"]])
    assert figure(eur.disputed) == ("300.00", [ids["G"]])
    assert all(w.total == 0 for w in eur.weeks[3:])
    assert figure(usd.weeks[1].due) == ("900.00", [ids["H"]])


def test_reminders_sent_per_week_in_the_company_zone(runtime: Runtime) -> None:
    ids = promise_book(runtime)
    # 23:15 UTC on Sunday 29 November: Monday 10:15 in Sydney (the customer's window), Monday 00:15 in
    # Paris: the company's week 49, not week 48 as in UTC.
    late = datetime(2026, 11, 29, 23, 15, tzinfo=UTC)
    sydney = record(
        runtime, "Lima Pty", "F-2026-5030", "90.00", issued=date(2026, 10, 27), due=date(2026, 11, 26)
    )
    with session_scope(runtime.engine) as session:
        invoice = session.get(Invoice, sydney)
        account = session.get(Account, invoice.account_id if invoice else 0)
        assert invoice is not None and account is not None
        account.country, account.timezone = "AU", "Australia/Sydney"
        session.add(account)
        add_contact(session, account=account, email="ap@lima.example", language="en", at=late)
        plan_reminders(session, invoice=invoice, settings=runtime.settings, at=late)
    sent = dispatch_due(runtime.engine, runtime.settings, runtime.sender, now=late)
    assert [s.state for s in sent] == ["sent"]
    with session_scope(runtime.engine) as session:
        weeks = book(session=session, now=NOW, settings=runtime.settings).reminders_sent
    by_week = {w.week: (w.steps, w.emails, w.invoice_ids) for w in weeks if w.steps}
    assert by_week == {
        "2026-W45": (1, 1, [ids["L"]]),
        "2026-W47": (2, 2, [ids["J"], ids["K"]]),
        "2026-W48": (2, 2, [ids["F"], ids["G"]]),
        "2026-W49": (1, 1, [sydney]),
    }
    assert weeks[0].week_start == date(2026, 10, 12) and weeks[-1].steps_by_currency == {"EUR": 1}
