"""The workspace in a real browser: Debian's Chromium driven by Playwright, against a real `relance web`
process on a loopback port, on the demo's book (plus a few customers abroad). Signs in, reads the
schedule, opens an e-mail preview in place, pauses and resumes an invoice, reads the workspace in French,
corrects and confirms a document relance doubted, answers a contact request, and checks that the server
refuses a viewer's action. The screenshots it takes go to
$RELANCE_SCREENSHOTS when set (`docs/screenshots` to refresh the committed ones), else to a temporary
folder."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from agent.clock import FixedClock
from agent.db import session_scope
from agent.demo.scenario import run_demo
from agent.models.user import Role
from agent.runtime import Runtime
from agent.web.auth import add_user
from tests.helpers import make_account, make_invoice

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@dataclass(frozen=True)
class Workspace:
    url: str
    shots: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _book_abroad(runtime: Runtime) -> None:
    """Customers in London and Berlin, so the schedule shows other languages, other time zones, and one
    e-mail listing two invoices; and the users."""
    from agent.reminders.schedule import plan_reminders

    at = runtime.clock.now()
    with session_scope(runtime.engine) as session:
        globex = make_account(session, "Globex Ltd", country="GB", language="en", at=at)
        muller = make_account(session, "Müller Maschinenbau GmbH", country="DE", language="de", at=at)
        for account, number, amount, due in [
            (globex, "GX-2041", "2400.00", date(2027, 1, 13)),
            (globex, "GX-2042", "310.50", date(2027, 1, 13)),
            (muller, "RE-88120", "5120.00", date(2027, 1, 18)),
        ]:
            invoice = make_invoice(session, account, number, amount, due=due, at=at)
            plan_reminders(session, invoice=invoice, settings=runtime.settings, at=at)
        for role in (Role.VIEWER, Role.FINANCE, Role.ADMIN):
            add_user(session, email=f"{role.value}@atelier.example", password=PASSWORD, role=role, at=at)


def _mail_for_finance(runtime: Runtime) -> None:
    """What a morning's mailbox brings finance: an invoice whose due date no reader finds (a document to
    check) and one of a new customer (a contact to give); the agent reads them before the server starts."""
    from decimal import Decimal

    from agent.demo.pdfs import DemoDocument, Party, render_pdf
    from agent.demo.scenario import COMPANY, SUPPLIER
    from agent.flow.service import Agent
    from tests.conftest import make_email

    def pdf(number: str, customer: Party, labels: dict[str, str] | None = None) -> bytes:
        return render_pdf(
            DemoDocument(
                language="fr", kind="invoice", number=number, issue_date=date(2027, 1, 4), currency="EUR",
                supplier=SUPPLIER, customer=customer, tax_rate=Decimal("20"), due_date=date(2027, 2, 3),
                lines=[("Maintenance annuelle", Decimal("1"), Decimal("1850.00"))], labels=labels or {},
            )
        )  # fmt: skip

    lumiere = Party("Café Lumière SARL", ("3 quai Saint-Vincent", "69001 Lyon", "France"), "FR27490348122")
    vinci = Party("Vinci Traiteur SAS", ("14 rue Mercière", "69002 Lyon", "France"), "FR73530281569")
    at = runtime.clock.now()
    files = [("F-2027-0007.pdf", pdf("F-2027-0007", vinci, {"due": "Date butoir convenue"})),
             ("F-2027-0008.pdf", pdf("F-2027-0008", lumiere))]  # fmt: skip
    for name, data in files:
        runtime.inbox().deliver(make_email(sender=COMPANY.finance_address, files=[(name, data)], at=at))
    with Agent(runtime) as agent:
        agent.tick()


def _payment_to_allocate(runtime: Runtime) -> None:
    """A transfer from a payer nobody knows, for Globex's two invoices: left to finance to allocate."""
    from decimal import Decimal

    from agent.payments.importing import import_lines
    from agent.payments.lines import PaymentLine

    at = runtime.clock.now()
    line = PaymentLine(
        external_id="BANK-DEC-1", received_on=at.date(), amount=Decimal("2710.50"), currency="EUR",
        reference="VIREMENT 88812", payer="GX TREASURY SERVICES",
    )  # fmt: skip
    with session_scope(runtime.engine) as session:
        report = import_lines(
            session, [line], source="csv", at=at, settings=runtime.settings, sender=runtime.sender
        )
    assert report.unmatched == 1


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")
        pytest.skip("Debian's chromium is not installed here")
    data_dir = tmp_path_factory.mktemp("workspace") / "data"
    demo = run_demo(data_dir)
    runtime = Runtime.open(demo.settings, FixedClock(demo.ended_at))
    _book_abroad(runtime)
    _mail_for_finance(runtime)
    _payment_to_allocate(runtime)
    runtime.engine.dispose()
    port = _free_port()
    command = [sys.executable, "-m", "agent", "web", "--data-dir", str(data_dir), "--port", str(port)]
    command += ["--now", demo.ended_at.isoformat()]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"relance web did not start: {server.stderr.read() if server.stderr else ''}")
        shots = Path(os.environ.get("RELANCE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
        shots.mkdir(parents=True, exist_ok=True)
        yield Workspace(url=url, shots=shots)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(workspace: Workspace) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium's sandbox refuses root
        instance = playwright.chromium.launch(executable_path=shutil.which("chromium") or CHROMIUM, args=args)
        yield instance
        instance.close()


def _sign_in(browser: object, workspace: Workspace, email: str) -> object:
    page = browser.new_page(viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    page.goto(workspace.url + "/")
    assert page.url.startswith(workspace.url + "/login")  # not signed in: sent to the form
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    return page


def test_finance_reads_the_schedule_previews_an_email_pauses_and_resumes(
    browser: object, workspace: Workspace
) -> None:
    login = browser.new_page(viewport={"width": 1280, "height": 700})  # type: ignore[attr-defined]
    login.goto(workspace.url + "/login")
    login.screenshot(path=str(workspace.shots / "sign-in.png"))
    login.close()
    page = _sign_in(browser, workspace, "finance@atelier.example")
    page.goto(workspace.url + "/?days=30")
    assert page.locator("h1").inner_text() == "Schedule"
    rows = page.locator("table.steps tbody tr")
    assert rows.count() >= 5
    # Globex's two invoices, due the same day, share every e-mail: each GX-2041 step says so.
    assert (
        page.get_by_text("one e-mail with GX-2042").count()
        == page.locator("a.ident", has_text="GX-2041").count()
    )
    page.screenshot(path=str(workspace.shots / "schedule.png"), full_page=True)

    globex = page.locator("tr", has=page.locator("a.ident", has_text="GX-2041")).first
    globex.get_by_role("link", name="Preview").click()  # opens in place, fetched only now
    preview = page.locator(".preview-row .email")
    preview.wait_for()
    text = preview.inner_text()
    assert "ap@globexltd.example" in text and "GX-2041" in text and "GX-2042" in text
    assert re.search(r"Subject\s+\S", text)
    preview.screenshot(path=str(workspace.shots / "email-preview.png"))

    with page.expect_navigation():
        page.locator("tr", has_text="F-2026-0468").first.get_by_role("link", name="F-2026-0468").click()
    page.wait_for_load_state("load")  # the document's page images too
    assert "F-2026-0468" in page.locator("h1").inner_text()
    page.screenshot(path=str(workspace.shots / "invoice.png"), full_page=True)
    page.fill("#pause-reason", "customer called: payment on its way")
    with page.expect_navigation() as paused:
        page.get_by_role("button", name="Pause reminders").click()
    assert paused.value is not None and paused.value.status == 200 and "done=paused" in page.url
    assert page.locator(".notice.ok").inner_text() == "The invoice's reminders are paused."
    assert page.locator("table.list .badge.state-paused").count() >= 1
    with page.expect_navigation():
        page.get_by_role("button", name="Resume reminders").click()
    assert "done=resumed" in page.url and page.locator("table.list .badge.state-paused").count() == 0

    page.select_option("#language", "fr")
    with page.expect_navigation():
        page.get_by_role("button", name="Change", exact=True).click()
    page.goto(workspace.url + "/?days=30")
    assert page.locator("h1").inner_text() == "Échéancier"
    page.screenshot(path=str(workspace.shots / "schedule-fr.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.screenshot(path=str(workspace.shots / "schedule-phone.png"))
    page.close()


def test_finance_reads_the_book_follows_a_number_and_allocates_a_payment(
    browser: object, workspace: Workspace
) -> None:
    page = _sign_in(browser, workspace, "finance@atelier.example")
    page.select_option("#language", "en")  # the first test left this user reading French
    with page.expect_navigation():
        page.locator("form[action='/me/language'] button").click()
    page.goto(workspace.url + "/book")
    assert page.locator("h1").inner_text() == "The book at a glance"
    assert page.locator("figure.chart svg[role=img]").count() >= 2  # aging and cash expected
    page.screenshot(path=str(workspace.shots / "book.png"), full_page=True)
    total = page.locator("table.book tfoot td.strong a").first  # everything owed in the first currency
    shown = total.inner_text()
    with page.expect_navigation():
        total.click()
    assert "Still owed" in page.locator(".notice.filtered").inner_text()
    assert page.locator("table.list tbody tr").count() >= 1 and shown

    page.goto(workspace.url + "/payments")
    row = page.locator("tr", has_text="VIREMENT 88812")
    with page.expect_navigation():
        row.get_by_role("link", name="Allocate").click()
    page.fill("#numbers", "GX-2041, GX-2042")
    page.screenshot(path=str(workspace.shots / "payment-to-allocate.png"), full_page=True)
    with page.expect_navigation() as done:
        page.get_by_role("button", name="Allocate the payment").click()
    assert done.value is not None and done.value.status == 200 and "done=allocated" in page.url
    assert page.locator("table.list tbody tr").count() == 2  # what it paid: both invoices
    page.goto(workspace.url + "/payments?show=all")
    page.screenshot(path=str(workspace.shots / "payments.png"), full_page=True)
    page.close()


def test_a_viewer_is_refused_by_the_server(browser: object, workspace: Workspace) -> None:
    page = _sign_in(browser, workspace, "viewer@atelier.example")
    page.goto(workspace.url + "/invoices?q=0468")
    page.get_by_role("link", name="F-2026-0468").click()
    page.wait_for_selector("h1")
    assert page.locator("form[action$='/pause']").count() == 0  # no buttons shown...
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    invoice_path = page.url.removeprefix(workspace.url).split("?")[0]
    forms: dict[str, dict[str, str]] = {"pause": {"reason": "x"}, "resume": {}, "plan": {"plan": "firm"}}
    forms["skip"] = {"step": "due_today", "reason": "x"}
    for action, form in forms.items():
        answer = page.request.post(
            f"{workspace.url}{invoice_path}/{action}", form={**form, "csrf": csrf or ""}
        )
        assert answer.status == 403, action  # ...and the server refuses, with the session's valid token
    for path in ("/documents/1/confirm", "/documents/1/reject", "/tasks/1/contact", "/tasks/1/resolve",
                 "/tasks/1/cancel", "/accounts/1/pause", "/accounts/1/contact", "/users"):  # fmt: skip
        answer = page.request.post(workspace.url + path, form={"csrf": csrf or "", "reason": "x"})
        assert answer.status == 403, path
    page.close()


def test_finance_corrects_a_document_and_answers_a_task(browser: object, workspace: Workspace) -> None:
    page = _sign_in(browser, workspace, "finance@atelier.example")
    page.goto(workspace.url + "/documents")
    if page.locator("#language").input_value() != "en":  # the test before read it in French
        page.select_option("#language", "en")
        with page.expect_navigation():
            page.locator("form[action='/me/language'] button").click()
    page.screenshot(path=str(workspace.shots / "documents.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="F-2027-0007").click()
    page.wait_for_load_state("load")
    assert page.locator("#f_due_date").input_value() == ""  # the due date no reader found
    page.fill("#f_due_date", "2027-02-03")
    page.screenshot(path=str(workspace.shots / "document-check.png"), full_page=True)
    with page.expect_navigation() as confirmed:
        page.get_by_role("button", name="Confirm these values").click()
    assert confirmed.value is not None and confirmed.value.status == 200 and "done=confirmed" in page.url
    assert "The invoice F-2027-0007 is recorded." in page.locator(".notice.ok").inner_text()

    page.goto(workspace.url + "/tasks")
    page.screenshot(path=str(workspace.shots / "tasks.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="Contact needed for Café Lumière SARL").click()
    page.fill("#c-email", "compta@cafe-lumiere.example")
    page.fill("#c-name", "Claire Martin")
    page.select_option("#c-salutation", "ms")
    page.select_option("#c-language", "fr")
    page.screenshot(path=str(workspace.shots / "task-contact.png"), full_page=True)
    with page.expect_navigation() as answered:
        page.get_by_role("button", name="Save the contact").click()
    assert answered.value is not None and answered.value.status == 200 and "done=answered" in page.url
    page.goto(workspace.url + "/?q=F-2027-0008&days=60")  # the invoice's reminders are on the schedule
    assert page.locator("a.ident", has_text="F-2027-0008").count() >= 1

    page.goto(workspace.url + "/accounts")
    with page.expect_navigation():
        page.get_by_role("link", name="Café Lumière SARL").click()
    assert "compta@cafe-lumiere.example" in page.locator("main").inner_text()
    page.screenshot(path=str(workspace.shots / "customer.png"), full_page=True)
    page.goto(workspace.url + "/intake")
    page.screenshot(path=str(workspace.shots / "intake.png"), full_page=True)
    page.goto(workspace.url + "/audit?actor=finance@atelier")
    assert page.locator("table.audit tbody tr").count() >= 2  # the confirmation and the answer, by name
    page.screenshot(path=str(workspace.shots / "audit.png"), full_page=True)
    page.close()
    admin = _sign_in(browser, workspace, "admin@atelier.example")
    admin.goto(workspace.url + "/users")
    admin.fill("#u-email", "new.colleague@atelier.example")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Add the user").click()
    assert len(admin.locator("code.password").inner_text()) >= 12  # shown once, on this answer only
    admin.screenshot(path=str(workspace.shots / "users.png"), full_page=True)
    admin.close()
