"""The weekly digest as finance receives it, and finance's orders in reply: acted on once, from the
person it went to, each confirmed; a forged reply changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
from sqlmodel import select

from agent.clock import FixedClock
from agent.db import session_scope
from agent.flow.digest import send_weekly_digest
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import Invoice, Reminder
from agent.models.reminder import ReminderState
from agent.runtime import Runtime
from agent.settings import PROJECT_ROOT, DigestSettings, Settings
from agent.templating import render_email, supported_languages
from agent.views.digest import weekly_digest
from tests.conftest import COMPANY, FINANCE, make_email
from tests.test_digest import MONDAY, build_book

LANGUAGES = sorted(supported_languages(PROJECT_ROOT / "templates"))
# Words of the English digest that no other language's digest may contain.
ENGLISH = ("reminder", "invoice", "week to come", "waiting for you", "payment", "hello", "reply", "order")


@pytest.fixture
def agent(tmp_path: Path, clock: FixedClock) -> Iterator[Agent]:
    """The agent with the digest on (tests/conftest.py turns it off for every other test)."""
    settings = Settings(data_dir=tmp_path / "data", company=COMPANY, digest=DigestSettings(enabled=True))
    with Agent(Runtime.open(settings, clock)) as instance:
        yield instance


@pytest.fixture
def outbox(agent: Agent) -> MaildirOutbox:
    return MaildirOutbox(agent.runtime.settings.outbox_path)


def digests(outbox: MaildirOutbox) -> list[Message]:
    return [m for m in outbox.messages() if "2026-W45" in str(m["Subject"])]


def confirmations(outbox: MaildirOutbox) -> list[Message]:
    return [m for m in outbox.messages() if "Vos ordres" in str(m["Subject"])]


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_sent_once_a_week_on_its_day_from_its_hour(agent: Agent, outbox: MaildirOutbox) -> None:
    runtime = agent.runtime
    build_book(runtime)
    assert send_weekly_digest(runtime, now=MONDAY - timedelta(minutes=1)) == []  # 07:59 in Paris
    assert send_weekly_digest(runtime, now=MONDAY) == [FINANCE]
    assert send_weekly_digest(runtime, now=MONDAY + timedelta(hours=5)) == []  # the same week: not again
    assert send_weekly_digest(runtime, now=MONDAY + timedelta(days=1)) == []  # Tuesday
    [digest] = digests(outbox)
    assert digest["To"] == FINANCE
    assert str(digest["Subject"]).endswith(
        "Semaine 2026-W45 : 4 relances prévues, 4 points en attente de votre part"
    )
    text = body(digest)
    assert "F-2 (Acme) : 5\u202f000,00\xa0€, deuxième relance, le 2 novembre 2026" in text  # Babel's spaces
    assert "Mises en demeure de la semaine" in text and "paiement non rapproché : TX-77" in text
    assert send_weekly_digest(runtime, now=MONDAY + timedelta(days=7)) == [FINANCE]  # the next Monday


def answer(runtime: Runtime, outbox: MaildirOutbox, words: str, *, sender: str = FINANCE) -> bytes:
    [digest] = digests(outbox)
    return make_email(
        sender=sender, subject=f"Re: {digest['Subject']}", body=words, in_reply_to=str(digest["Message-ID"]),
        at=MONDAY + timedelta(hours=1),
    )  # fmt: skip


def test_orders_in_reply_are_carried_out_once_and_confirmed(agent: Agent, outbox: MaildirOutbox) -> None:
    runtime = agent.runtime
    build_book(runtime)
    send_weekly_digest(runtime, now=MONDAY)
    reply = answer(runtime, outbox, "Bonjour,\n\nsuspendre F-1\nsauter F-2\nsuspendre F-99\n\nClaire")
    agent.ingest(reply)
    agent.ingest(reply)  # the same message again (a re-delivery): recognised, nothing done twice
    with session_scope(runtime.engine) as session:
        f1 = session.exec(select(Invoice).where(Invoice.number == "F-1")).one()
        assert f1.paused
        steps = session.exec(
            select(Reminder.step_name, Reminder.state)
            .join(Invoice, Invoice.id == Reminder.invoice_id)  # type: ignore[arg-type]
            .where(Invoice.number == "F-2")
            .order_by(Reminder.step)  # type: ignore[arg-type]
        ).all()
    # F-2's next step to go out was the second reminder (caught up today): skipped, the final notice kept.
    assert ("second_reminder", ReminderState.SKIPPED) in steps
    assert ("final_notice", ReminderState.PLANNED) in steps
    [confirmation] = confirmations(outbox)
    text = body(confirmation)
    assert "F-1 : relances suspendues" in text
    assert "F-2 : prochaine relance sautée (deuxième relance)" in text
    assert "« suspendre F-99 » : aucune facture ne porte le numéro F-99" in text
    # A second reply with the same orders is a new message: what is already done is said so.
    agent.ingest(answer(runtime, outbox, "suspendre F-1"))
    assert "« suspendre F-1 » : ses relances sont déjà suspendues" in body(confirmations(outbox)[-1])


def test_a_forged_reply_changes_nothing(agent: Agent, outbox: MaildirOutbox) -> None:
    runtime = agent.runtime
    build_book(runtime)
    send_weekly_digest(runtime, now=MONDAY)
    agent.ingest(answer(runtime, outbox, "suspendre F-1", sender="mallory@evil.example"))
    with session_scope(runtime.engine) as session:
        assert not session.exec(select(Invoice).where(Invoice.number == "F-1")).one().paused
    assert confirmations(outbox) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_digest_and_its_confirmation_speak_each_language(runtime: Runtime, language: str) -> None:
    build_book(runtime)
    with session_scope(runtime.engine) as session:
        digest = weekly_digest(session=session, settings=runtime.settings, now=MONDAY)
    task = {"token": "RL-0000ABCD"}
    common = {"task": task, "company": runtime.settings.company}
    rendered = [
        render_email(runtime.settings.templates_dir, "digest", language, {**common, "digest": digest}),
        render_email(
            runtime.settings.templates_dir, "digest_orders", language,
            {**common, "done": [{"number": "F-1", "verb": "pause", "step": None},
                                {"number": "F-2", "verb": "skip", "step": "second_reminder"}],
             "refused": [{"line": "x F-9", "why": "unknown_invoice", "number": "F-9"},
                         {"line": "y", "why": "not_open", "number": "F-3"}]},
        ),
    ]  # fmt: skip
    for email in rendered:
        text = (email.subject + "\n" + email.text).lower()
        assert "second_reminder" not in text and "final_notice" not in text  # step names are translated
        if language != "en":
            assert [word for word in ENGLISH if word in text] == []


def test_the_tick_sends_it(agent: Agent, outbox: MaildirOutbox) -> None:
    build_book(agent.runtime)
    assert agent.tick(MONDAY).digests == [FINANCE]
    assert agent.tick(MONDAY + timedelta(hours=1)).digests == []
    assert len(digests(outbox)) == 1
