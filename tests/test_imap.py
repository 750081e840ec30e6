"""IMAP intake against a real Dovecot: kept before processed, moved only after commit, exactly once."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlmodel import select

from agent.clock import FixedClock
from agent.db import session_scope
from agent.flow.service import Agent
from agent.mail.compose import compose
from agent.mail.imap import ImapInbox
from agent.models import AuditEvent, Document, InboundMessage, Invoice
from agent.runtime import Runtime
from agent.settings import MailboxSettings, Settings
from tests.conftest import COMPANY, make_email
from tests.servers.dovecot import PASSWORD, DovecotServer
from tests.test_graph import invoice_pdf


@pytest.fixture
def mailbox(dovecot: DovecotServer) -> MailboxSettings:
    """A fresh mailbox for each test (any user name logs in on the test server)."""
    return MailboxSettings(
        kind="imap",
        host="127.0.0.1",
        port=dovecot.imap_port,
        security="none",
        user=f"agent-{uuid.uuid4().hex[:8]}@example.test",
        password=PASSWORD,
    )


@pytest.fixture
def imap_runtime(tmp_path: Path, mailbox: MailboxSettings, clock: FixedClock) -> Iterator[Runtime]:
    runtime = Runtime.open(Settings(data_dir=tmp_path / "data", company=COMPANY, mailbox=mailbox), clock)
    yield runtime
    runtime.engine.dispose()


def service_env(mailbox: MailboxSettings) -> dict[str, str]:
    """The environment of a `relance run` process reading this test mailbox (and nothing of the caller's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    return env | {
        "RELANCE_CONFIG": "/nonexistent/relance.toml",
        "RELANCE_MAILBOX__KIND": "imap",
        "RELANCE_MAILBOX__HOST": "127.0.0.1",
        "RELANCE_MAILBOX__PORT": str(mailbox.port),
        "RELANCE_MAILBOX__SECURITY": "none",
        "RELANCE_MAILBOX__USER": mailbox.user or "",
        "RELANCE_MAILBOX__PASSWORD": PASSWORD,
        "RELANCE_COMPANY__FINANCE_ADDRESS": "compta@supplier.example",
    }


def client_for(mailbox: MailboxSettings) -> IMAPClient:
    client = IMAPClient(mailbox.host or "", port=mailbox.port, ssl=False)
    client.login(mailbox.user or "", PASSWORD)
    return client


def append(mailbox: MailboxSettings, raw: bytes, folder: str = "INBOX") -> None:
    client = client_for(mailbox)
    if not client.folder_exists(folder):
        client.create_folder(folder)
    client.append(folder, raw)
    client.logout()


def count(mailbox: MailboxSettings, folder: str) -> int:
    client = client_for(mailbox)
    try:
        if not client.folder_exists(folder):
            return 0
        return int(client.select_folder(folder, readonly=True)[b"EXISTS"])
    finally:
        client.logout()


def test_forwarded_invoices_are_kept_processed_and_moved(
    imap_runtime: Runtime, mailbox: MailboxSettings
) -> None:
    append(
        mailbox,
        make_email(
            files=[("F-1.pdf", invoice_pdf("F-2026-1201", "100.00")), ("broken.pdf", b"%PDF-1.4 truncated")]
        ),
    )
    append(mailbox, make_email(sender="stranger@elsewhere.example", files=[("x.pdf", b"%PDF-1.4")]))
    with Agent(imap_runtime) as agent:
        assert len(agent.tick().received) == 2
    assert (count(mailbox, "INBOX"), count(mailbox, "Processed"), count(mailbox, "Quarantine")) == (0, 1, 1)
    with session_scope(imap_runtime.engine) as session:
        assert [i.number for i in session.exec(select(Invoice))] == ["F-2026-1201"]
        statuses = sorted(d.status for d in session.exec(select(Document)))
        assert statuses == ["failed", "recorded"]
        messages = {m.sender: m.status for m in session.exec(select(InboundMessage))}
        assert messages["stranger@elsewhere.example"] == "quarantined"
    client = client_for(mailbox)
    client.select_folder("Processed")
    flags = client.get_flags(client.search("ALL"))
    client.logout()
    assert all(b"\\Seen" not in f for f in flags.values())  # read with BODY.PEEK: nobody's mail marked read


class CrashOnSettle(Exception):
    pass


def test_crash_between_commit_and_move_processes_exactly_once(
    imap_runtime: Runtime, mailbox: MailboxSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(mailbox, make_email(files=[("F.pdf", invoice_pdf("F-2026-1301", "100.00"))]))
    with Agent(imap_runtime) as agent:
        monkeypatch.setattr(ImapInbox, "settle", lambda *_a, **_k: (_ for _ in ()).throw(CrashOnSettle()))
        with pytest.raises(CrashOnSettle):
            agent.tick()
    monkeypatch.undo()
    assert count(mailbox, "INBOX") == 1  # not moved: the process "died" after its commit
    with Agent(imap_runtime) as restarted:
        restarted.tick()
    assert (count(mailbox, "INBOX"), count(mailbox, "Processed")) == (0, 1)
    with session_scope(imap_runtime.engine) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 1
        assert len(session.exec(select(Invoice)).all()) == 1


def test_crash_after_keeping_before_processing_is_processed_on_restart(
    imap_runtime: Runtime, mailbox: MailboxSettings
) -> None:
    raw = make_email(files=[("F.pdf", invoice_pdf("F-2026-1401", "100.00"))])
    append(mailbox, raw)
    with Agent(imap_runtime) as agent:
        agent.keep(raw)  # stored raw + row, then the process died before processing
    with session_scope(imap_runtime.engine) as session:
        assert session.exec(select(InboundMessage)).one().status == "received"
    with Agent(imap_runtime) as restarted:
        restarted.tick()
    with session_scope(imap_runtime.engine) as session:
        assert (
            session.exec(select(InboundMessage)).one().status == "waiting"
        )  # processed: a task asks finance
        assert len(session.exec(select(Invoice)).all()) == 1
    assert count(mailbox, "Processed") == 1


def test_new_mail_is_seen_on_a_connection_kept_between_ticks(
    imap_runtime: Runtime, mailbox: MailboxSettings
) -> None:
    with Agent(imap_runtime) as agent:
        agent.tick()
        append(mailbox, make_email(files=[("F.pdf", invoice_pdf("F-2026-1701", "100.00"))]))
        assert len(agent.tick().received) == 1


def test_mail_that_arrived_before_the_wait_began_is_not_left_for_the_timeout(
    mailbox: MailboxSettings,
) -> None:
    """Between a tick's fetch and the next IDLE, mail may arrive: it is announced in the answer to the
    next command, not when IDLE starts, so waiting must ask first."""
    inbox = ImapInbox(mailbox)
    inbox.connect()
    try:
        append(mailbox, make_email(body="arrived while the agent was busy"))
        started = time.monotonic()
        assert inbox.wait(timeout=5)
        assert time.monotonic() - started < 2
    finally:
        inbox.close()


def test_reconnects_after_the_server_restarts(
    imap_runtime: Runtime, mailbox: MailboxSettings, dovecot: DovecotServer
) -> None:
    with Agent(imap_runtime) as agent:
        agent.tick()  # connected, nothing to do
        dovecot.restart()
        append(mailbox, make_email(files=[("F.pdf", invoice_pdf("F-2026-1501", "100.00"))]))
        assert len(agent.tick().received) == 1  # the stale connection was replaced
    assert count(mailbox, "Processed") == 1


def test_idle_wakes_up_when_mail_arrives(mailbox: MailboxSettings) -> None:
    inbox = ImapInbox(mailbox)
    inbox.connect()
    timer = threading.Timer(0.5, append, args=(mailbox, make_email(body="ping")))
    timer.start()
    started = time.monotonic()
    try:
        assert inbox.wait(timeout=20)
    finally:
        timer.join()
        inbox.close()
    assert time.monotonic() - started < 10


def test_uidvalidity_change_loses_and_repeats_nothing(
    tmp_path: Path, mailbox: MailboxSettings, clock: FixedClock
) -> None:
    intake = mailbox.model_copy(update={"folder": "Intake"})
    runtime = Runtime.open(Settings(data_dir=tmp_path / "data", company=COMPANY, mailbox=intake), clock)
    raw = make_email(files=[("F.pdf", invoice_pdf("F-2026-1601", "100.00"))])
    append(intake, raw, folder="Intake")
    with Agent(runtime) as agent:
        agent.tick()
    client = client_for(intake)
    client.delete_folder("Intake")  # the server rebuilds the folder: new UIDVALIDITY, the old mail again
    client.create_folder("Intake")
    client.logout()
    append(intake, raw, folder="Intake")
    with Agent(runtime) as agent:
        agent.tick()
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 1
        assert len(session.exec(select(Invoice)).all()) == 1
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "uidvalidity_changed" in actions
    assert (count(intake, "Intake"), count(intake, "Processed")) == (0, 2)
    runtime.engine.dispose()


def test_sent_folder_copy_is_found_by_message_id(mailbox: MailboxSettings) -> None:
    inbox = ImapInbox(mailbox)
    message = compose(
        sender="ar@supplier.example",
        recipient="ap@customer.example",
        subject="Rappel",
        text="Bonjour",
        message_id="<relance.reminder.99@supplier.example>",
        sent_at=FixedClock().now(),
    )
    assert not inbox.contains_sent("Sent", "<relance.reminder.99@supplier.example>")
    inbox.append_sent("Sent", message)
    assert inbox.contains_sent("Sent", "<relance.reminder.99@supplier.example>")
    assert not inbox.contains_sent("Sent", "<relance.reminder.100@supplier.example>")
    inbox.close()


def _first_tick_done(database: Path) -> bool:
    """The service's first tick has read the inbox: it recorded the mailbox's UIDVALIDITY on connecting,
    and the scheduler runs ticks one at a time, so a short pause covers the rest of that tick."""
    import sqlite3

    if not database.exists():
        return False
    try:
        with sqlite3.connect(database) as connection:
            found = connection.execute(
                "SELECT 1 FROM sync_state WHERE name = 'mailbox.uidvalidity'"
            ).fetchone()
    except sqlite3.Error:
        return False
    if found:
        time.sleep(1.0)
    return bool(found)


def test_the_service_wakes_up_on_idle(tmp_path: Path, mailbox: MailboxSettings) -> None:
    """`relance run` with a 10-minute interval still handles new mail within seconds, through IDLE."""
    import signal
    import subprocess
    import sys

    env = service_env(mailbox)
    service = subprocess.Popen(
        [sys.executable, "-m", "agent", "run", "--data-dir", str(tmp_path / "data"), "--interval", "600"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        database = tmp_path / "data" / "relance.sqlite3"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _first_tick_done(database):
            time.sleep(0.2)  # mail appended before the first tick's search would be read without IDLE
        append(mailbox, make_email(body="wake up", sender="compta@supplier.example"))
        deadline = time.monotonic() + 20  # the interval is 600 s: only IDLE can make this quick
        # A note without any document is quarantined with its reason (nothing to read): moved all the same.
        while count(mailbox, "Quarantine") == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        settled = count(mailbox, "Quarantine")
    finally:
        service.send_signal(signal.SIGTERM)
        _out, err = service.communicate(timeout=60)
    assert settled == 1, err
    assert "new mail announced by IDLE: ticking now" in err
    assert service.returncode == 0, err


def test_killed_mid_run_then_restarted_processes_each_message_exactly_once(
    tmp_path: Path, mailbox: MailboxSettings
) -> None:
    import os
    import signal
    import subprocess
    import sys

    total = 30
    for index in range(total):
        append(
            mailbox,
            make_email(
                subject=f"Fwd: invoice {index}",
                sender="compta@supplier.example",
                files=[(f"F-{index}.pdf", invoice_pdf(f"F-2026-3{index:03d}", "10.00"))],
            ),
        )
    env = service_env(mailbox)
    command = [sys.executable, "-m", "agent", "run", "--data-dir", str(tmp_path / "data"), "--interval", "1"]
    project = Path(__file__).resolve().parents[1]

    first = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while count(mailbox, "Processed") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)  # no clean-up of any kind: wherever it was
    first.wait(timeout=30)
    assert count(mailbox, "INBOX") > 0, "the kill came too late to interrupt anything"

    second = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while count(mailbox, "INBOX") > 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    second.send_signal(signal.SIGTERM)
    _out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err

    assert (count(mailbox, "INBOX"), count(mailbox, "Processed")) == (0, total)
    settings = Settings(data_dir=tmp_path / "data", company=COMPANY, mailbox=mailbox)
    runtime = Runtime.open(settings, FixedClock())
    with session_scope(runtime.engine) as session:
        messages = session.exec(select(InboundMessage)).all()
        invoices = session.exec(select(Invoice)).all()
        documents = session.exec(select(Document)).all()
    runtime.engine.dispose()
    assert len(messages) == total and {m.status for m in messages} == {"waiting"}
    assert sorted(i.number for i in invoices) == sorted(f"F-2026-3{index:03d}" for index in range(total))
    assert len(documents) == total


def test_forwarded_eml_and_winmail_through_the_mailbox(
    imap_runtime: Runtime, mailbox: MailboxSettings
) -> None:
    from email.message import EmailMessage
    from email.policy import default

    original = EmailMessage(policy=default)
    original["From"], original["Subject"] = "billing@tool.example", "Your invoice F-2026-5001"
    original.set_content("Please find your invoice attached.")
    original.add_attachment(
        invoice_pdf("F-2026-5001", "100.00"),
        maintype="application",
        subtype="octet-stream",
        filename="F-2026-5001.pdf",
    )  # odd MIME type, right name
    forward = EmailMessage(policy=default)
    forward["From"], forward["To"], forward["Subject"] = (
        "compta@supplier.example",
        "in@x.example",
        "Fwd: facture",
    )
    forward["Message-ID"] = "<fwd-eml@test.example>"
    forward.set_content("Transféré en pièce jointe.")
    forward.add_attachment(original)  # message/rfc822, as Outlook and Thunderbird forward "as attachment"
    forward.add_attachment(
        b"\x78\x9f\x3e\x22\x00", maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    append(mailbox, forward.as_bytes())
    with Agent(imap_runtime) as agent:
        agent.tick()
    with session_scope(imap_runtime.engine) as session:
        documents = {d.filename: d for d in session.exec(select(Document))}
        assert documents["F-2026-5001.pdf"].status == "recorded"
        assert documents["winmail.dat"].status == "unsupported"
        assert "winmail.dat (Outlook rich text) is not supported" in (documents["winmail.dat"].error or "")
        assert [i.number for i in session.exec(select(Invoice))] == ["F-2026-5001"]
    assert count(mailbox, "Processed") == 1
