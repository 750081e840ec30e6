"""POST /api/documents and GET /api/batches/{id} through a real `relance web` on loopback (httpx): a mixed
batch read file by file by the graph, duplicates, the limits, and nothing lost when the process stops
between the answer and the reading."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from agent.db import session_scope
from agent.ledger.accounts import add_contact, normalize_name
from agent.models import Account, Document, InboundMessage, Invoice
from agent.models.api_batch import ApiBatchFile
from agent.web.api.files import limits
from agent.web.api.intake import Incoming, record_batch
from agent.web.api.tokens import Caller
from tests.api_server import NOW, add_token, add_user, open_runtime, served, wait_finished
from tests.conftest import FINANCE
from tests.test_graph import CUSTOMER, invoice_pdf
from tests.test_layout_memory import facturx_pdf
from tests.test_ocr import scanned

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(120)
NOT_AN_INVOICE = b'<?xml version="1.0"?><note><to>Anna</to><body>Lunch at noon?</body></note>'


def _customer_with_contact(data_dir: Path) -> int:
    """The customer of the test invoices, with a contact: its invoices are planned, nothing waits."""
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        account = Account(
            name=CUSTOMER.name, normalized_name=normalize_name(CUSTOMER.name), vat_id=CUSTOMER.vat_id,
            country="FR", created_at=NOW,
        )  # fmt: skip
        session.add(account)
        session.flush()
        add_contact(session, account=account, email="compta@boulangerie.example", language="fr", at=NOW)
        account_id = account.id or 0
    runtime.engine.dispose()
    return account_id


def _by_name(batch: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["filename"]: entry for entry in batch["files"]}


@pytest.mark.usefixtures("ocr")
def test_a_mixed_batch_each_file_its_own_status(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    account_id = _customer_with_contact(data_dir)
    add_user(data_dir, FINANCE, "finance")
    token = add_token(data_dir, FINANCE, "documents", "read")
    pdf = invoice_pdf("F-2026-0801", "100.00")
    files = [
        ("files", ("F-2026-0801.pdf", pdf, "application/pdf")),
        ("files", ("F-2026-0802.pdf", facturx_pdf("F-2026-0802", "200.00"), "application/pdf")),
        ("files", ("IMG_0803.png", scanned(invoice_pdf("F-2026-0803", "50.00")), "image/png")),
        ("files", ("empty.pdf", b"", "application/pdf")),
        ("files", ("invoice.pdf", ELF, "application/pdf")),  # an executable, whatever its name says
        ("files", ("again.pdf", pdf, "application/pdf")),
        ("files", ("note.xml", NOT_AN_INVOICE, "application/xml")),
    ]
    references = ["PO-1", "PO-2", "PO-3", "", "", "PO-6", "PO-7"]
    with served(data_dir) as web, web.client(token) as client:
        answer = client.post("/api/documents", files=files, data={"reference": references})
        assert answer.status_code == 202, answer.text
        accepted = answer.json()
        assert answer.headers["location"] == f"/api/batches/{accepted['id']}"
        assert [(f["index"], f["reference"]) for f in accepted["files"]] == [
            (0, "PO-1"), (1, "PO-2"), (2, "PO-3"), (3, None), (4, None), (5, "PO-6"), (6, "PO-7"),
        ]  # fmt: skip
        at_once = {f["filename"]: f["status"] for f in accepted["files"]}
        assert at_once["empty.pdf"] == "refused" and at_once["invoice.pdf"] == "refused"
        assert at_once["again.pdf"] == "duplicate"
        batch = _by_name(wait_finished(client, accepted["id"]))

        good = batch["F-2026-0801.pdf"]
        assert (good["status"], good["type"], good["document"]["type"], good["document"]["number"]) == (
            "processed", "pdf", "invoice", "F-2026-0801",
        )  # fmt: skip
        assert good["account"] == {"id": account_id, "name": CUSTOMER.name} and good["invoice_id"]
        facturx = batch["F-2026-0802.pdf"]
        assert (facturx["status"], facturx["document"]["method"], facturx["account"]["id"]) == (
            "processed", "facturx", account_id,
        )  # fmt: skip
        photo = batch["IMG_0803.png"]  # read by OCR: a person checks it before it drives anything
        assert (photo["status"], photo["document"]["method"], photo["task"]["kind"]) == (
            "waiting",
            "ocr",
            "review",
        )
        assert photo["invoice_id"] is None and photo["task"]["status"] == "open"
        assert (batch["empty.pdf"]["code"], batch["invoice.pdf"]["code"]) == ("empty", "executable")
        duplicate = batch["again.pdf"]
        assert duplicate["code"] == "already_received"
        assert (duplicate["duplicate_of"]["batch"], duplicate["duplicate_of"]["index"]) == (accepted["id"], 0)
        note = batch["note.xml"]  # read, and set aside with the reader's reason; the others went on
        assert note["status"] == "quarantined"
        assert note["reason"] == "XML root <note> is not a CII or UBL invoice"
        assert note["task"]["kind"] == "review"  # finance is told, as for a mailed file
        assert wait_finished(client, accepted["id"])["counts"] == {
            "processed": 2, "waiting": 1, "refused": 2, "duplicate": 1, "quarantined": 1,
        }  # fmt: skip

        # The same file in a later request: a duplicate of the recorded document and its invoice.
        later = client.post("/api/documents", files=[("files", ("copy.pdf", pdf, "application/pdf"))]).json()
        (copy,) = later["files"]
        assert (copy["status"], copy["duplicate_of"]["invoice_id"]) == ("duplicate", good["invoice_id"])
        assert later["finished"] is True  # nothing to read

    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        messages = session.exec(select(InboundMessage).order_by(InboundMessage.id)).all()
        # One kept message per accepted file, from finance, each with its file attached. The graph ends
        # the unreadable XML's message `processed` (a task for finance says why): its file is quarantined.
        assert [(m.sender, m.status) for m in messages] == [
            (FINANCE, "processed"), (FINANCE, "processed"), (FINANCE, "waiting"), (FINANCE, "processed"),
        ]  # fmt: skip
        kept = message_from_bytes(runtime.store.get(messages[0].raw_path), policy=default)
        (attached,) = kept.iter_attachments()  # type: ignore[attr-defined]
        assert (attached.get_filename(), attached.get_content()) == ("F-2026-0801.pdf", pdf)
        numbers = {i.number for i in session.exec(select(Invoice))}
        assert numbers == {"F-2026-0801", "F-2026-0802"}
        assert {d.filename for d in session.exec(select(Document))} == {
            "F-2026-0801.pdf", "F-2026-0802.pdf", "IMG_0803.png", "note.xml",
        }  # fmt: skip
    runtime.engine.dispose()


def test_limits_and_bad_requests_answer_clearly_and_keep_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    add_user(data_dir, FINANCE, "finance")
    token = add_token(data_dir, FINANCE, "documents")
    bounds = limits(open_runtime(data_dir).settings)
    small = invoice_pdf("F-2026-0901", "10.00")
    with served(data_dir) as web, web.client(token) as client:
        big = b"%PDF-1.4\n" + bytes(bounds.per_file)
        answer = client.post(
            "/api/documents",
            files=[
                ("files", ("small.pdf", small, "application/pdf")),
                ("files", ("big.pdf", big, "application/pdf")),
            ],
        )
        assert answer.status_code == 413
        assert answer.json()["error"] == "file_too_large" and answer.json()["file"] == "big.pdf"
        assert answer.json()["message"] == (
            f"big.pdf weighs 1.0 MB ({len(big)} bytes), over the limit of 1.0 MB ({bounds.per_file} bytes) "
            "per file: nothing was kept"
        )

        parts = [
            ("files", (f"part{n}.pdf", b"%PDF-1.4\n" + bytes(bounds.per_file - 100), "application/pdf"))
            for n in range(5)
        ]
        answer = client.post("/api/documents", files=parts)
        assert answer.status_code == 413 and answer.json()["error"] == "request_too_large"
        assert answer.json()["limit_bytes"] == bounds.per_request

        def chunks() -> Any:  # no Content-Length: the limit is counted as the bytes arrive
            boundary = b"--b0undary\r\n"
            yield (
                boundary + b'Content-Disposition: form-data; name="files"; filename="x.pdf"\r\n\r\n%PDF-1.4\n'
            )
            for _ in range(bounds.per_request // 65536 + 2):
                yield bytes(65536)
            yield b"\r\n--b0undary--\r\n"

        answer = client.post(
            "/api/documents",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
        )
        assert answer.status_code == 413 and answer.json()["error"] == "request_too_large"

        assert client.post("/api/documents", data={"reference": "x"}).json()["error"] == "no_files"
        mismatch = client.post(
            "/api/documents",
            files=[("files", ("a.pdf", small, "application/pdf"))],
            data={"reference": ["1", "2"]},
        )
        assert mismatch.status_code == 422 and mismatch.json()["error"] == "fields_do_not_match_files"
        long_field = client.post(
            "/api/documents",
            files=[("files", ("a.pdf", small, "application/pdf"))],
            data={"reference": "x" * 20_000},
        )
        assert long_field.status_code == 400 and long_field.json() == {
            "error": "bad_request",
            "message": "the form cannot be read: Part exceeded maximum size of 9KB.",
        }
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        assert (
            session.exec(select(ApiBatchFile)).all() == []
            and session.exec(select(InboundMessage)).all() == []
        )
    runtime.engine.dispose()


def test_files_accepted_before_a_stop_are_read_at_the_next_start(tmp_path: Path) -> None:
    """A crash after the answer, before the graph: one file recorded without its message yet, one kept as a
    message not yet read. The next `relance web` reads both, once."""
    data_dir = tmp_path / "data"
    _customer_with_contact(data_dir)
    add_user(data_dir, FINANCE, "finance")
    token = add_token(data_dir, FINANCE, "read")
    runtime = open_runtime(data_dir)
    caller = Caller(email=FINANCE, token_id=None, scopes=frozenset())
    first = record_batch(
        runtime, caller=caller, files=[Incoming("A.pdf", "", invoice_pdf("F-2026-0951", "10.00"))]
    )
    from agent.flow.service import Agent
    from agent.web.api.intake import keep_batch

    second = record_batch(
        runtime, caller=caller, files=[Incoming("B.pdf", "", invoice_pdf("F-2026-0952", "20.00"))]
    )
    agent = Agent(runtime)
    try:
        (kept,) = keep_batch(runtime, agent.keep, batch_id=second)
        assert keep_batch(runtime, agent.keep, batch_id=second) == []  # kept once
    finally:
        agent.checkpointer.conn.close()  # type: ignore[attr-defined]
    with session_scope(runtime.engine) as session:
        assert session.get(InboundMessage, kept).status == "received"  # type: ignore[union-attr]
    runtime.engine.dispose()
    with served(data_dir) as web, web.client(token) as client:
        statuses = [wait_finished(client, batch)["files"][0] for batch in (first, second)]
    assert [(s["status"], s["document"]["number"]) for s in statuses] == [
        ("processed", "F-2026-0951"), ("processed", "F-2026-0952"),
    ]  # fmt: skip
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 2
        assert sorted(i.number for i in session.exec(select(Invoice))) == ["F-2026-0951", "F-2026-0952"]
    runtime.engine.dispose()
