"""Statement links: valid for their account until they expire, refused once revoked, for another account,
altered or signed with another key; the page may show only its own account's invoices."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import SecretStr
from sqlmodel import select

from agent.clock import FixedClock
from agent.customers.statement_links import (
    LinkStatus,
    make_link,
    may_show_invoice,
    revoke_links,
    verify_link,
)
from agent.db import session_scope
from agent.models import AuditEvent
from agent.runtime import Runtime
from tests.helpers import make_account, make_invoice


def two_accounts(runtime: Runtime) -> tuple[int, int, int, int]:
    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        acme = make_account(session, "Acme", at=at)
        globex = make_account(session, "Globex", at=at)
        ours = make_invoice(session, acme, "F-1", "100.00", due=date(2026, 12, 2), at=at)
        theirs = make_invoice(session, globex, "G-1", "200.00", due=date(2026, 12, 2), at=at)
        return acme.id or 0, globex.id or 0, ours.id or 0, theirs.id or 0


def check(runtime: Runtime, token: str, account_id: int | None = None) -> LinkStatus:
    with session_scope(runtime.engine) as session:
        result = verify_link(
            session=session,
            settings=runtime.settings,
            token=token,
            at=runtime.clock.now(),
            account_id=account_id,
        )
        return result.status


def test_a_link_lives_sixty_days_by_default(runtime: Runtime, clock: FixedClock) -> None:
    acme, _, _, _ = two_accounts(runtime)
    runtime.settings.statement_links.url_template = "https://relance.example.com/statement/{token}"
    with session_scope(runtime.engine) as session:
        link = make_link(session=session, settings=runtime.settings, account_id=acme, at=clock.now())
    assert link.url == f"https://relance.example.com/statement/{link.token}"
    assert link.expires_at == clock.now() + timedelta(days=60)
    assert check(runtime, link.token, acme) is LinkStatus.VALID
    assert check(runtime, link.token) is LinkStatus.VALID
    clock.advance(timedelta(days=60) - timedelta(seconds=1))
    assert check(runtime, link.token, acme) is LinkStatus.VALID
    clock.advance(timedelta(seconds=1))
    assert check(runtime, link.token, acme) is LinkStatus.EXPIRED


def test_the_lifetime_is_configurable(runtime: Runtime, clock: FixedClock) -> None:
    acme, _, _, _ = two_accounts(runtime)
    runtime.settings.statement_links.lifetime_days = 7
    with session_scope(runtime.engine) as session:
        link = make_link(session=session, settings=runtime.settings, account_id=acme, at=clock.now())
    assert link.url is None  # no public address configured: no link in the e-mails
    clock.advance(timedelta(days=7))
    assert check(runtime, link.token, acme) is LinkStatus.EXPIRED


def test_revoking_ends_every_link_of_that_account_only(runtime: Runtime, clock: FixedClock) -> None:
    acme, globex, _, _ = two_accounts(runtime)
    with session_scope(runtime.engine) as session:
        old = make_link(session=session, settings=runtime.settings, account_id=acme, at=clock.now())
        other = make_link(session=session, settings=runtime.settings, account_id=globex, at=clock.now())
    with session_scope(runtime.engine) as session:
        assert (
            revoke_links(session=session, account_id=acme, at=clock.now(), reason="sent to a former employee")
            == 1
        )
    assert check(runtime, old.token, acme) is LinkStatus.REVOKED
    assert check(runtime, other.token, globex) is LinkStatus.VALID
    with session_scope(runtime.engine) as session:
        fresh = make_link(session=session, settings=runtime.settings, account_id=acme, at=clock.now())
        events = session.exec(
            select(AuditEvent.action, AuditEvent.entity_id).where(AuditEvent.action.like("statement%"))
        ).all()
    assert check(runtime, fresh.token, acme) is LinkStatus.VALID
    assert events == [("statement_links_revoked", acme)]


def test_a_link_opens_only_its_own_account(runtime: Runtime, clock: FixedClock) -> None:
    acme, globex, ours, theirs = two_accounts(runtime)
    with session_scope(runtime.engine) as session:
        link = make_link(session=session, settings=runtime.settings, account_id=acme, at=clock.now())
        result = verify_link(session=session, settings=runtime.settings, token=link.token, at=clock.now())
        assert may_show_invoice(session=session, check=result, invoice_id=ours)
        assert not may_show_invoice(
            session=session, check=result, invoice_id=theirs
        )  # an id tried in the URL
        assert not may_show_invoice(session=session, check=result, invoice_id=999)
    assert check(runtime, link.token, globex) is LinkStatus.WRONG_ACCOUNT


def test_an_altered_or_foreign_token_is_refused(runtime: Runtime, clock: FixedClock) -> None:
    acme, globex, _, _ = two_accounts(runtime)
    with session_scope(runtime.engine) as session:
        link = make_link(session=session, settings=runtime.settings, account_id=acme, at=clock.now())
    body, signature = link.token.rsplit(".", 1)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]  # the first character: no padding bits
    assert check(runtime, f"{body}.{flipped}") is LinkStatus.INVALID
    assert check(runtime, link.token[:-3]) is LinkStatus.INVALID
    assert check(runtime, "") is LinkStatus.INVALID
    # The same account's payload with another key (another installation): not ours.
    foreign = runtime.settings.model_copy(deep=True)
    foreign.statement_links.secret_key = SecretStr("another installation's key")
    with session_scope(runtime.engine) as session:
        forged = make_link(session=session, settings=foreign, account_id=globex, at=clock.now())
    assert check(runtime, forged.token) is LinkStatus.INVALID


def test_relance_run_and_relance_web_share_the_key_unconfigured(runtime: Runtime) -> None:
    from agent.customers.statement_links import link_key
    from agent.web.security import secret_key

    assert link_key(runtime.settings) == secret_key(runtime.settings)


@pytest.mark.postgres
def test_revocation_on_postgresql(pg_runtime: Runtime, clock: FixedClock) -> None:
    acme, globex, _, _ = two_accounts(pg_runtime)
    with session_scope(pg_runtime.engine) as session:
        old = make_link(session=session, settings=pg_runtime.settings, account_id=acme, at=clock.now())
        revoke_links(session=session, account_id=acme, at=clock.now(), reason="test")
        revoke_links(session=session, account_id=acme, at=clock.now(), reason="test again")
    with session_scope(pg_runtime.engine) as session:
        new = make_link(session=session, settings=pg_runtime.settings, account_id=acme, at=clock.now())
    assert check(pg_runtime, old.token, acme) is LinkStatus.REVOKED
    assert check(pg_runtime, new.token, acme) is LinkStatus.VALID
    assert check(pg_runtime, new.token, globex) is LinkStatus.WRONG_ACCOUNT
