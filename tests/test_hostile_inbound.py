"""The inbound path from raw bytes to the row, fuzzed; and what a message leaves behind (issue 17).

- Fuzz: any bytes (built from header and MIME fragments that broke parsers before, or plain random
  bytes) become a row with a final status; `poll_mailbox` never raises. RELANCE_FUZZ_EXAMPLES sets the
  number of inputs (CI: the default; docs/reliability.md gives a long run's count).
- Two messages with one Message-ID never share a thread or a checkpoint.
- A finished message leaves no checkpoint (ignored mail included); older ones are pruned at start.
- Senders' text is stored and shown on one line, controls and bidi characters made visible.
"""

from __future__ import annotations

import os
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from agent.db import session_scope
from agent.flow.service import FINISHED, Agent
from agent.mail.parse import parse_message
from agent.mail.safe_text import clean_line
from agent.models import InboundMessage
from agent.runtime import Runtime
from tests.conftest import FINANCE, make_email

EXAMPLES = int(os.environ.get("RELANCE_FUZZ_EXAMPLES", "150"))
NAMES = ["From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Date", "Content-Type",
         "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted", "Authentication-Results",
         "MIME-Version", "Reply-To"]  # fmt: skip
VALUES = ['"a" <x@y.example> , , <', "<", "=?utf-8?q?=0D=0ABcc:_x?=", "=?x-bad?b?////?=", "multipart/mixed",
          'multipart/mixed; boundary="b"', "multipart/report", 'attachment; filename*=x\'\'%ff%fe.pdf',
          "base64", "quoted-printable", "\u202e", "\x00", FINANCE, "<relance.task.1@supplier.example>",
          "", " ", "(((((", "a" * 2000]  # fmt: skip
BODIES = [
    "--b\r\nContent-Type: application/pdf\r\n\r\nJVBERi0=\r\n--b--",
    "--b\r\n\r\n",
    "=\r\n=ZZ",
    "\r\n.\r\n",
]
header = st.tuples(st.sampled_from(NAMES), st.one_of(st.sampled_from(VALUES), st.text(max_size=40)))
structured = st.builds(
    lambda fields, body: ("\r\n".join(f"{n}: {v}" for n, v in fields) + "\r\n\r\n" + body).encode(
        "utf-8", "surrogateescape"
    ),
    st.lists(header, max_size=12),
    st.one_of(st.sampled_from(BODIES), st.text(max_size=200)),
)
raw_bytes = st.one_of(structured, st.binary(max_size=600))


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(raw=raw_bytes)
def test_parsing_any_bytes_never_raises(raw: bytes) -> None:
    message = parse_message(raw, "fallback")
    assert message.message_id and "\n" not in message.subject and "\n" not in message.sender


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raws=st.lists(raw_bytes, min_size=1, max_size=3))
def test_any_bytes_through_the_mailbox_become_rows_and_the_tick_ends(agent: Agent, raws: list[bytes]) -> None:
    inbox = agent.runtime.inbox()
    for raw in raws:
        inbox.deliver(raw)
    agent.poll_mailbox()
    assert list(inbox.fetch_new()) == []
    with session_scope(agent.runtime.engine) as session:
        rows = session.exec(select(InboundMessage)).all()  # of every example so far (one database)
    failed = [row.error for row in rows if row.status == "failed"]
    assert {row.status for row in rows} <= FINISHED - {"failed"}, failed


def checkpoints(agent: Agent, thread_id: str | None = None) -> int:
    connection = sqlite3.connect(agent.runtime.settings.checkpoint_path)
    try:
        if thread_id is None:
            return connection.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
        query = "SELECT count(*) FROM checkpoints WHERE thread_id = ?"
        return connection.execute(query, (thread_id,)).fetchone()[0]
    finally:
        connection.close()


def test_two_messages_with_one_message_id_never_share_a_thread(agent: Agent, runtime: Runtime) -> None:
    from tests.test_graph import invoice_pdf

    first = make_email(files=[("A.pdf", invoice_pdf("F-2026-8001", "100.00"))])
    second = make_email(files=[("B.pdf", invoice_pdf("F-2026-8002", "200.00"))])
    shared = first.split(b"Message-ID: ")[1].split(b"\n")[0]
    second = second.replace(second.split(b"Message-ID: ")[1].split(b"\n")[0], shared)
    (a, status_a), (b, status_b) = agent.ingest(first), agent.ingest(second)
    assert (status_a, status_b) == ("waiting", "waiting")
    with session_scope(runtime.engine) as session:
        rows = [session.get(InboundMessage, a), session.get(InboundMessage, b)]
    assert rows[0].message_id == rows[1].message_id  # type: ignore[union-attr]
    threads = [row.thread_id for row in rows]  # type: ignore[union-attr]
    assert threads[0] != threads[1]
    # Each waits in its own checkpoint, for its own contact request.
    assert checkpoints(agent, threads[0]) > 0 and checkpoints(agent, threads[1]) > 0
    waiting = [agent.graph.get_state({"configurable": {"thread_id": t}}).values for t in threads]
    assert waiting[0]["inbound_id"] == a and waiting[1]["inbound_id"] == b
    assert waiting[0]["invoice_ids"] != waiting[1]["invoice_ids"]


def test_a_finished_message_leaves_no_checkpoint(agent: Agent) -> None:
    for number in range(5):  # ignored and quarantined mail: nothing will ever resume them
        agent.ingest(make_email(sender="someone@elsewhere.example", subject=f"hello {number}"))
        agent.ingest(make_email(subject=f"no attachment {number}"))
    assert checkpoints(agent) == 0


def test_checkpoints_left_by_an_older_version_are_pruned(agent: Agent) -> None:
    inbound_id, _ = agent.keep(make_email(subject="kept before the pruning existed"))
    with session_scope(agent.runtime.engine) as session:
        thread_id = session.get(InboundMessage, inbound_id).thread_id  # type: ignore[union-attr]
    result = agent.graph.invoke(
        {"inbound_id": inbound_id}, {"configurable": {"thread_id": thread_id}}, context=agent.runtime
    )
    agent._set_status(inbound_id, "quarantined", None)  # the outcome, as an older version left it
    assert result["outcome"] == "quarantined" and checkpoints(agent, thread_id) > 0
    assert agent.prune_finished_threads() == 1
    assert checkpoints(agent) == 0


def test_senders_text_is_one_line_with_hidden_characters_made_visible(agent: Agent, runtime: Runtime) -> None:
    subject = "=?utf-8?q?Facture=0D=0ABcc=3A_x=40evil.example_=E2=80=AEfdp.exe?="
    raw = f"From: {FINANCE}\r\nSubject: {subject}\r\n\r\nSee attached.\r\n".encode()
    inbound_id, _ = agent.ingest(raw)
    with session_scope(runtime.engine) as session:
        row = session.get(InboundMessage, inbound_id)
    assert row is not None and row.subject == "Facture  Bcc: x@evil.example <U+202E>fdp.exe"
    assert clean_line("a\x1b[31mred\u2066") == "a<U+001B>[31mred<U+2066>"  # terminal escapes, isolates
    stored = runtime.store.get(row.raw_path)
    assert b"=0D=0ABcc" in stored  # the raw bytes are kept as received


def test_a_message_that_cannot_be_kept_stays_in_the_inbox_and_the_tick_goes_on(
    agent: Agent, runtime: Runtime
) -> None:
    from datetime import UTC, datetime

    from tests.helpers import planned_invoice

    planned_invoice(runtime, name="Acme")
    inbox = runtime.inbox()
    inbox.deliver(make_email(subject="arrives while the raw store is broken"))
    store = runtime.store.root
    assert not store.exists()  # nothing stored yet
    store.write_text("not a folder")  # every write of a raw file now fails
    report = agent.tick(datetime(2026, 11, 27, 8, 5, tzinfo=UTC))
    assert [d.state for d in report.dispatched] == ["sent"]  # payments and reminders still ran
    assert len(list(inbox.fetch_new())) == 1 and report.received == []  # kept for the next tick
    store.unlink()
    assert len(agent.tick().received) == 1 and list(inbox.fetch_new()) == []
