"""Forged and unwanted mail (issue 17): every path that changes data passes one sender policy first.

Replies to tasks and reviews from the wrong person, without a valid token, or with a From that our own
server did not authenticate (or authenticated below a forged header); a mail loop; an auto-reply storm;
an unverified customer reply. Each is quarantined with its reason, changes nothing, and finance is told
where a person should look (once per kind and sender, never once per message of a storm).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from agent.clock import FixedClock
from agent.db import session_scope
from agent.finance.tasks import new_token
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.mail.parse import authenticated_by
from agent.models import Contact, Document, InboundMessage, Invoice, Reminder, Task
from agent.runtime import Runtime
from agent.settings import MailboxSettings, Settings
from tests.conftest import COMPANY, FINANCE, make_email
from tests.helpers import planned_invoice
from tests.test_graph import invoice_pdf

TRUSTED = "mx.supplier.example"
PASS = f"{TRUSTED}; spf=pass smtp.mailfrom=supplier.example"
FAIL = f"{TRUSTED}; spf=fail smtp.mailfrom=supplier.example"
DUE = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)


@pytest.fixture
def strict(tmp_path: Path, clock: FixedClock) -> Iterator[Agent]:
    mailbox = MailboxSettings(require_authentication=True, trusted_authserv_id=TRUSTED)
    runtime = Runtime.open(Settings(data_dir=tmp_path / "data", company=COMPANY, mailbox=mailbox), clock)
    with Agent(runtime) as agent:
        yield agent


def with_results(raw: bytes, *results: str) -> bytes:
    """The message as our server delivers it: its Authentication-Results on top, the sender's below."""
    return b"".join(f"Authentication-Results: {r}\n".encode() for r in results) + raw


def forward(agent: Agent, number: str, *results: str) -> str:
    raw = with_results(make_email(files=[(f"{number}.pdf", invoice_pdf(number, "100.00"))]), *results)
    return agent.ingest(raw)[1]


def request_mail(outbox: MaildirOutbox) -> tuple[str, str]:
    request = next(m for m in outbox.messages() if "Contact à renseigner" in str(m["Subject"]))
    return str(request["Subject"]), str(request["Message-ID"])


def reply(subject: str, message_id: str | None, body: str, *, sender: str = FINANCE) -> bytes:
    return make_email(sender=sender, subject=f"Re: {subject}", body=body, in_reply_to=message_id)


def row(agent: Agent, inbound_id: int) -> InboundMessage:
    with session_scope(agent.runtime.engine) as session:
        found = session.get(InboundMessage, inbound_id)
        assert found is not None
        return found


def contacts(agent: Agent) -> list[str]:
    with session_scope(agent.runtime.engine) as session:
        return [c.email for c in session.exec(select(Contact))]


def test_only_the_topmost_header_of_our_server_counts() -> None:
    # RFC 8601 section 5: the sender wrote the lower one; our server's own verdict is on top.
    assert not authenticated_by([FAIL, PASS], TRUSTED)
    assert authenticated_by([PASS, FAIL], TRUSTED)
    assert authenticated_by(["relay.example; spf=fail", PASS], TRUSTED)  # others' headers are skipped
    assert not authenticated_by([f"{TRUSTED}; spf=fail (the sender says spf=pass)"], TRUSTED)


def test_a_forged_pass_below_our_servers_fail_is_refused(strict: Agent) -> None:
    assert forward(strict, "F-2026-6001", FAIL, PASS) == "quarantined"
    assert forward(strict, "F-2026-6002", PASS) == "waiting"  # the real thing still works


def test_a_spoofed_finance_reply_creates_no_contact_and_no_step(strict: Agent, outbox: MaildirOutbox) -> None:
    assert forward(strict, "F-2026-6003", PASS) == "waiting"
    subject, message_id = request_mail(outbox)
    spoofed = with_results(reply(subject, message_id, "Mallory, mallory@attacker.example, en"), FAIL)
    inbound_id, status = strict.ingest(spoofed)
    assert status == "quarantined"
    assert "no SPF or DKIM pass" in (row(strict, inbound_id).error or "")
    assert contacts(strict) == []
    with session_scope(strict.runtime.engine) as session:
        assert session.exec(select(Reminder)).all() == []
        alert = session.exec(select(Task).where(Task.kind == "review")).one()
        assert alert.title == f"a reply to a task was refused from {FINANCE}"
    forged_below = with_results(
        reply(subject, message_id, "Mallory, mallory@attacker.example, en"), FAIL, PASS
    )
    assert strict.ingest(forged_below)[1] == "quarantined" and contacts(strict) == []
    genuine = with_results(reply(subject, message_id, "Paul Dupont, paul@dupont.example, fr"), PASS)
    assert strict.ingest(genuine)[1] == "processed" and contacts(strict) == ["paul@dupont.example"]


def test_a_reply_from_another_person_is_refused(agent: Agent, outbox: MaildirOutbox) -> None:
    agent.ingest(make_email(files=[("F.pdf", invoice_pdf("F-2026-6004", "100.00"))]))
    subject, message_id = request_mail(outbox)
    inbound_id, status = agent.ingest(
        reply(subject, message_id, "x@y.example", sender="eve@attacker.example")
    )
    assert status == "quarantined" and "eve@attacker.example is not an allowed forwarder" in (
        row(agent, inbound_id).error or ""
    )
    assert contacts(agent) == []


def test_guessed_task_ids_and_tokens_are_not_a_reply(agent: Agent, outbox: MaildirOutbox) -> None:
    agent.ingest(make_email(files=[("F.pdf", invoice_pdf("F-2026-6005", "100.00"))]))
    with session_scope(agent.runtime.engine) as session:
        task = session.exec(select(Task)).one()
    assert len(task.token) == len("RL-") + 24  # 96 random bits
    assert task.token.removeprefix("RL-").lower() in (task.message_id or "")  # its Message-ID too
    guesses = [("<relance.task.1@supplier.example>", "Contact"), (None, "[relance RL-0000ABCD] Contact")]
    for message_id, subject in guesses:
        inbound_id, status = agent.ingest(reply(subject, message_id, "Mallory, mallory@attacker.example"))
        assert (status, row(agent, inbound_id).kind) == ("quarantined", "unusable")  # not a task reply
    assert contacts(agent) == [] and new_token() != new_token()


def test_a_review_reply_from_the_wrong_person_changes_nothing(agent: Agent, outbox: MaildirOutbox) -> None:
    agent.ingest(make_email(files=[("scan.pdf", b"%PDF-1.4 not really")]))  # unreadable: a review task
    with session_scope(agent.runtime.engine) as session:
        task = session.exec(select(Task)).one()
    wrong = make_email(sender="eve@attacker.example", subject=f"Re: [relance {task.token}]", body="ignore",
                       in_reply_to=task.message_id)  # fmt: skip
    inbound_id, status = agent.ingest(wrong)
    assert status == "quarantined" and task.token in (row(agent, inbound_id).error or "")
    with session_scope(agent.runtime.engine) as session:
        assert session.get(Task, task.id).status == "open"  # type: ignore[union-attr]
        assert session.exec(select(Document)).one().status == "failed"


def test_our_own_reminder_coming_back_is_a_loop_not_a_reply(agent: Agent, runtime: Runtime) -> None:
    planned_invoice(runtime, name="Acme")
    agent.tick(DUE)
    (reminder,) = runtime.sender.messages()  # type: ignore[attr-defined]
    for _ in range(3):  # the same loop, three times: one task for finance, not three
        inbound_id, status = agent.ingest(reminder.as_bytes() + b"\n" + str(_).encode())
        assert status == "quarantined" and "mail loop" in (row(agent, inbound_id).error or "")
    with session_scope(runtime.engine) as session:
        tasks = session.exec(select(Task)).all()
        assert [t.title for t in tasks] == [f"our own e-mail came back from {COMPANY.collections_address}"]
        assert len(tasks[0].details["inbound_ids"]) == 3
        assert {r.state for r in session.exec(select(Reminder))} >= {"sent"}
        assert session.exec(select(Invoice)).one().paused is False  # not read as a customer's answer


def test_an_auto_reply_storm_is_cut_per_correspondent(agent: Agent, runtime: Runtime) -> None:
    planned_invoice(runtime, name="Acme")
    agent.tick(DUE)
    (reminder,) = runtime.sender.messages()  # type: ignore[attr-defined]
    limit = runtime.settings.mailbox.max_messages_per_sender_per_hour
    statuses = []
    for number in range(limit + 5):
        runtime.clock.set(DUE + timedelta(minutes=number))  # type: ignore[attr-defined]
        raw = make_email(
            sender="ap@acme.example",
            subject=f"Auto: absent {number}",
            body="Absent.",
            in_reply_to=str(reminder["Message-ID"]),
            headers={"Auto-Submitted": "auto-replied"},
        )
        statuses.append(agent.ingest(raw)[1])  # fmt: skip
    assert statuses == ["ignored"] * limit + ["quarantined"] * 5
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Task)).all() == []  # nobody is e-mailed about a storm
        last = session.exec(
            select(InboundMessage).where(InboundMessage.subject == f"Auto: absent {limit}")
        ).one()
        assert last.error == f"more than {limit} messages from ap@acme.example within an hour: not processed"
    runtime.clock.set(DUE + timedelta(hours=2))  # type: ignore[attr-defined]
    auto = {"Auto-Submitted": "auto-replied"}
    later = make_email(sender="ap@acme.example", subject="Auto: back",
                       in_reply_to=str(reminder["Message-ID"]), headers=auto)  # fmt: skip
    assert agent.ingest(later)[1] == "ignored"  # an hour later, read again


def test_an_unverified_customer_reply_pauses_nothing(strict: Agent) -> None:
    runtime = strict.runtime
    planned_invoice(runtime, name="Acme")
    strict.tick(DUE)
    (reminder,) = runtime.sender.messages()  # type: ignore[attr-defined]
    promise = "Nous paierons le 30 mars 2027."
    forged = make_email(sender="ap@acme.example", subject="Re: relance", body=promise,
                        in_reply_to=str(reminder["Message-ID"]))  # fmt: skip
    inbound_id, status = strict.ingest(forged)
    assert status == "quarantined" and "customer reply not acted upon" in (
        row(strict, inbound_id).error or ""
    )
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Invoice)).one().paused is False
        task = session.exec(select(Task)).one()
        assert task.title == "an unverified customer reply from ap@acme.example"
        assert f"their words: “{promise}”" in task.details["reasons"]  # a person can still act on them
    genuine = with_results(
        forged.replace(b"30 mars", b"31 mars"), f"{TRUSTED}; dkim=pass header.d=acme.example"
    )
    assert strict.ingest(genuine)[1] == "processed"
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Invoice)).one().paused is True
