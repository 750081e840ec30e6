"""Only configured forwarders submit documents; optionally only with SPF/DKIM pass from our own server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from agent.clock import FixedClock
from agent.db import session_scope
from agent.flow.service import Agent
from agent.mail.parse import authenticated_by
from agent.models import InboundMessage, Invoice
from agent.runtime import Runtime
from agent.settings import MailboxSettings, Settings
from tests.conftest import COMPANY, FINANCE, make_email
from tests.test_graph import invoice_pdf

TRUSTED = "mx.supplier.example"


@pytest.fixture
def strict_agent(tmp_path: Path, clock: FixedClock) -> Iterator[Agent]:
    mailbox = MailboxSettings(
        allowed_senders=["@supplier.example"], require_authentication=True, trusted_authserv_id=TRUSTED
    )
    runtime = Runtime.open(Settings(data_dir=tmp_path / "data", company=COMPANY, mailbox=mailbox), clock)
    with Agent(runtime) as agent:
        yield agent


def submit(agent: Agent, sender: str, number: str, results: list[str]) -> str:
    raw = make_email(
        sender=sender,
        files=[(f"{number}.pdf", invoice_pdf(number, "10.00"))],
        headers={"Authentication-Results": results[0]} if results else None,
    )
    _inbound_id, status = agent.ingest(raw)
    return status


def test_authenticated_colleague_of_an_allowed_domain(strict_agent: Agent) -> None:
    status = submit(
        strict_agent,
        "colleague@supplier.example",
        "F-2026-2001",
        [f"{TRUSTED}; spf=pass smtp.mailfrom=supplier.example; dkim=none"],
    )
    assert status == "waiting"  # accepted, and now waiting for finance to name a contact


@pytest.mark.parametrize(
    ("sender", "results", "reason"),
    [
        (
            "colleague@supplier.example",
            [],
            f"no SPF or DKIM pass from {TRUSTED} for colleague@supplier.example",
        ),
        (
            "colleague@supplier.example",
            ["mx.attacker.example; spf=pass; dkim=pass"],
            f"no SPF or DKIM pass from {TRUSTED} for colleague@supplier.example",
        ),
        (
            "colleague@supplier.example",
            [f"{TRUSTED}; spf=fail; dkim=fail"],
            f"no SPF or DKIM pass from {TRUSTED} for colleague@supplier.example",
        ),
        (
            "billing@other.example",
            [f"{TRUSTED}; spf=pass"],
            "billing@other.example is not an allowed forwarder",
        ),
    ],
)
def test_refused_submissions_are_quarantined_with_their_reason(
    strict_agent: Agent, sender: str, results: list[str], reason: str
) -> None:
    assert submit(strict_agent, sender, "F-2026-2002", results) == "quarantined"
    with session_scope(strict_agent.runtime.engine) as session:
        assert session.exec(select(InboundMessage)).one().error == reason
        assert session.exec(select(Invoice)).all() == []


def test_default_policy_is_the_finance_address_only(agent: Agent) -> None:
    assert submit(agent, FINANCE, "F-2026-2003", []) == "waiting"
    assert submit(agent, "someone@supplier.example", "F-2026-2004", []) == "quarantined"


def test_authserv_id_must_be_the_first_token() -> None:
    assert authenticated_by([f"{TRUSTED}; dkim=pass header.d=supplier.example"], TRUSTED)
    assert not authenticated_by([f"relay.example; note={TRUSTED}; dkim=pass"], TRUSTED)
    assert not authenticated_by([f"{TRUSTED}; spf=passive"], TRUSTED)
