"""Hostile and broken mail (issue 17): each message gets a visible outcome, and the tick goes on.

Every sample of tests/hostile_samples.py is dropped in the embedded mailbox beside a good invoice, with
a reminder due at that instant. One tick must: record the sample (its status and its reason), record
the good invoice, send the due reminder, and leave the inbox empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from agent.clock import FixedClock
from agent.db import session_scope
from agent.flow.service import Agent
from agent.models import Document, InboundMessage, Invoice
from agent.runtime import Runtime
from agent.settings import MailboxSettings, Settings
from tests.conftest import COMPANY, make_email
from tests.helpers import planned_invoice
from tests.hostile_samples import LIMIT_ATTACHMENT, LIMIT_MESSAGE, Sample, pdf, samples

DUE = datetime(2026, 11, 27, 8, 5, tzinfo=UTC)  # the courtesy step of an invoice due 2026-12-02
SAMPLES = samples()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Agent]:
    mailbox = MailboxSettings(max_attachment_bytes=LIMIT_ATTACHMENT, max_message_bytes=LIMIT_MESSAGE)
    settings = Settings(data_dir=tmp_path / "data", company=COMPANY, mailbox=mailbox)
    runtime = Runtime.open(settings, FixedClock(DUE))
    with Agent(runtime) as agent:
        yield agent
    runtime.engine.dispose()


def test_there_are_at_least_forty_cases() -> None:
    assert len(SAMPLES) >= 40 and len({s.name for s in SAMPLES}) == len(SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_a_hostile_message_has_a_visible_outcome_and_the_tick_goes_on(world: Agent, sample: Sample) -> None:
    runtime = world.runtime
    planned_invoice(runtime, name="Acme", number="F-2026-0001")  # its first step is due now
    inbox = runtime.inbox()
    inbox.deliver(sample.raw)
    inbox.deliver(make_email(subject="Fwd: the good one", files=[("good.pdf", pdf("F-2026-7100"))]))
    report = world.tick(DUE)
    assert [d.state for d in report.dispatched] == ["sent"]  # the due reminder still went out
    assert list(inbox.fetch_new()) == []  # nothing left behind
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(InboundMessage).order_by(col(InboundMessage.id))).all()
        assert len(rows) == 2
        good = next(r for r in rows if r.subject == "Fwd: the good one")
        row = next(r for r in rows if r is not good)
        assert good.status == "waiting"  # recorded; asks finance for the customer's contact
        numbers = {i.number for i in session.exec(select(Invoice))}
        assert "F-2026-7100" in numbers
        if sample.invoice:
            assert sample.invoice in numbers
        said = [row.error or ""] + [d.error or d.status for d in session.exec(
            select(Document).where(Document.inbound_id == row.id))]  # fmt: skip
        assert row.status == sample.status, said
        assert sample.says in " | ".join(said)
        # What is stored and shown is one line, with no control or bidi character left raw.
        for text in (row.subject, row.sender, row.error or ""):
            assert not any(ch in text for ch in "\r\n\0\u202e")
        assert row.thread_id == f"inbound:{row.content_hash}"
        for document in session.exec(select(Document)):  # no external entity was ever resolved
            assert "root:" not in str(document.extraction)
