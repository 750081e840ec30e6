"""The LLM path, with the endpoint replaced twice: by a scripted fake chat model (named so), and by a
loopback HTTP server giving an answer in the OpenAI chat-completions wire format to the real
langchain-openai client. No LLM endpoint is reachable here; nothing below pretends one is."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import select

from agent.clock import FixedClock
from agent.db import session_scope
from agent.documents.extract import ExtractOptions, extract_document
from agent.flow.service import Agent
from agent.mail.maildir import MaildirOutbox
from agent.models import AuditEvent, Document, Invoice, Task
from agent.runtime import Runtime
from agent.settings import LlmSettings, Settings
from tests.conftest import COMPANY, make_email
from tests.fakes import ScriptedToolCallingModel
from tests.test_customer_mail import CUSTOMER, customer_reply, first_reminder
from tests.test_graph import deliver, invoice_pdf

DATA = Path(__file__).parent / "data" / "llm"


def reading_of(pdf: bytes, **changes: Any) -> dict[str, Any]:
    """What a model that reads the PDF correctly answers: the deterministic extractor's values, in the
    tool's format, with `changes` applied (a model that misreads)."""
    found = extract_document("f.pdf", pdf, ExtractOptions(company_names=(COMPANY.name,)))
    answer = {
        "document_type": found.document_type,
        "number": found.number,
        "issue_date": str(found.issue_date),
        "due_date": str(found.due_date),
        "currency": found.currency,
        "total_net": str(found.total_net),
        "total_tax": str(found.total_tax),
        "total_gross": str(found.total_gross),
        "amount_due": str(found.amount_due),
        "customer": {"name": found.customer.name, "country": found.customer.country},
        "supplier": {"name": COMPANY.name},
        "language": "fr",
    }
    return answer | changes


def test_an_llm_reading_that_agrees_is_recorded_with_its_tokens(agent: Agent, runtime: Runtime) -> None:
    pdf = invoice_pdf("F-2026-0700", "100.00")
    model = ScriptedToolCallingModel(script=[reading_of(pdf)])
    runtime.llm = model
    deliver(runtime, make_email(files=[("F-2026-0700.pdf", pdf)]))
    agent.tick()
    with session_scope(runtime.engine) as session:
        document = session.exec(select(Document)).one()
        assert (document.method, document.status) == ("llm", "recorded")
        assert document.extraction["llm_usage"] == {
            "input_tokens": 812,
            "output_tokens": 64,
            "total_tokens": 876,
        }
        assert document.extraction["confidence"]["amount_due"] == 0.97  # both readings agree
        assert session.exec(select(Invoice)).one().number == "F-2026-0700"
    (system, human) = model.calls[0]
    assert COMPANY.name in str(system.content) and "F-2026-0700" in str(human.content)


def test_an_llm_that_disagrees_sends_the_document_to_a_person(agent: Agent, runtime: Runtime) -> None:
    pdf = invoice_pdf("F-2026-0701", "100.00")
    runtime.llm = ScriptedToolCallingModel(
        script=[reading_of(pdf, amount_due="1000.00", total_gross="1000.00")]
    )
    deliver(runtime, make_email(files=[("F-2026-0701.pdf", pdf)]))
    agent.tick()
    with session_scope(runtime.engine) as session:
        document = session.exec(select(Document)).one()
        assert document.status == "review" and session.exec(select(Invoice)).all() == []
        (task,) = session.exec(select(Task)).all()
        assert any(
            "amount due: the LLM read 1000.00, the text extractor" in r for r in task.details["reasons"]
        )
        # the page shows where the agreed fields were read; not the amount the LLM read otherwise
        assert "number" in document.extraction["locations"]
        assert "amount_due" not in document.extraction["locations"]


def test_a_failing_endpoint_leaves_the_deterministic_reading(agent: Agent, runtime: Runtime) -> None:
    runtime.llm = ScriptedToolCallingModel(script=[ConnectionError("endpoint unreachable")])
    deliver(runtime, make_email(files=[("F-2026-0702.pdf", invoice_pdf("F-2026-0702", "100.00"))]))
    agent.tick()
    with session_scope(runtime.engine) as session:
        document = session.exec(select(Document)).one()
        assert (document.method, document.status) == ("text", "recorded")
        assert "LLM call failed: endpoint unreachable" in document.extraction["warnings"]


def test_the_llm_reads_a_promise_the_rules_cannot(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    body = "Bonjour, la compta fait les virements le mardi : comptez sur le mardi 8, sans faute."
    runtime.llm = ScriptedToolCallingModel(
        script=[
            {
                "intent": "promise",
                "promised_for": "2026-12-08",
                "words": "comptez sur le mardi 8, sans faute.",
            }
        ]
    )
    deliver(runtime, customer_reply(reminder, body, datetime(2026, 11, 28, 9, tzinfo=UTC)))
    agent.tick(datetime(2026, 11, 28, 9, 5, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Invoice)).one().promised_for == date(2026, 12, 8)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "customer_promise")).one()
        assert event.detail["read_by"] == "llm+rules" and event.detail["llm_tokens"]["total_tokens"] == 876


def test_words_the_customer_did_not_write_are_not_believed(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    reminder = first_reminder(agent, runtime, outbox)
    runtime.llm = ScriptedToolCallingModel(
        script=[{"intent": "promise", "promised_for": "2026-12-08", "words": "We will pay on December 8."}]
    )
    deliver(
        runtime, customer_reply(reminder, "Merci de votre message.", datetime(2026, 11, 28, 9, tzinfo=UTC))
    )
    agent.tick(datetime(2026, 11, 28, 9, 5, tzinfo=UTC))
    with session_scope(runtime.engine) as session:
        invoice = session.exec(select(Invoice)).one()
        assert invoice.promised_for is None and invoice.paused  # paused for a person, not for a promise
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "customer_other")).one()
    assert [m for m in outbox.messages() if m["To"] == CUSTOMER]


class ChatCompletions(BaseHTTPRequestHandler):
    """Answers POST /v1/chat/completions with a stored answer in the OpenAI wire format."""

    answer: ClassVar[bytes] = b""
    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers["Authorization"], **json.loads(body)}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_the_openai_client_against_an_answer_in_the_wire_format(endpoint: str, tmp_path: Path) -> None:
    pdf = invoice_pdf("F-2026-0703", "100.00")
    wire = json.loads((DATA / "chat_completion_document.json").read_text(encoding="utf-8"))
    arguments = reading_of(pdf)
    wire["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = json.dumps(arguments)
    ChatCompletions.answer, ChatCompletions.requests = json.dumps(wire).encode(), []
    settings = Settings(
        data_dir=tmp_path / "data",
        company=COMPANY,
        llm=LlmSettings(base_url=endpoint, api_key="sk-test-not-a-secret", model="gpt-4o-mini"),
    )
    runtime = Runtime.open(settings, FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC)))
    assert type(runtime.llm).__name__ == "ChatOpenAI"
    with Agent(runtime) as agent:
        deliver(runtime, make_email(files=[("F-2026-0703.pdf", pdf)]))
        agent.tick()
    (request,) = ChatCompletions.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test-not-a-secret"
    assert request["model"] == "gpt-4o-mini" and request["tools"][0]["function"]["name"] == "LlmDocument"
    with session_scope(runtime.engine) as session:
        document = session.exec(select(Document)).one()
        assert (document.method, document.status) == ("llm", "recorded")
        assert document.extraction["llm_usage"] == {
            "input_tokens": 1187,
            "output_tokens": 214,
            "total_tokens": 1401,
        }
    runtime.engine.dispose()


def test_the_llm_completes_a_contact_answer_but_never_invents_an_address(
    agent: Agent, runtime: Runtime, outbox: MaildirOutbox
) -> None:
    from agent.models import Contact
    from tests.test_graph import reply_to_task

    deliver(runtime, make_email(files=[("F-2026-0710.pdf", invoice_pdf("F-2026-0710", "100.00"))]))
    agent.tick()
    runtime.llm = ScriptedToolCallingModel(
        script=[{"name": "Hans Müller", "email": "hans.mueller@other.example", "language": "de"}]
    )
    deliver(runtime, reply_to_task(outbox, "C'est Hans Müller, hans@mueller.example ; il est germanophone."))
    agent.tick()
    with session_scope(runtime.engine) as session:
        contact = session.exec(select(Contact)).one()
    # The rules' address stays (the model's is not in the answer); the language the rules missed is the
    # model's, and it is not marked as inferred from the country.
    assert (contact.email, contact.language, contact.language_inferred) == (
        "hans@mueller.example",
        "de",
        False,
    )
