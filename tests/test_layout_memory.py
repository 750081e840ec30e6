"""Layout memory: a layout validated by two readings that agree (a Factur-X page against its own XML, or
the text path against an LLM) is remembered, and the next document of that layout is read with more
confidence and no LLM call; a document whose fields sit elsewhere gains nothing."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader, PdfWriter
from sqlmodel import select

from agent.db import session_scope
from agent.demo.pdfs import render_pdf
from agent.demo.scenario import demo_documents
from agent.documents import layouts
from agent.documents.extract import ExtractOptions, extract_document
from agent.flow.service import Agent
from agent.models import Document, Layout
from agent.runtime import Runtime
from tests.conftest import make_email
from tests.fakes import ScriptedToolCallingModel
from tests.test_graph import CUSTOMER, deliver, invoice_pdf
from tests.test_llm import reading_of

CII = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20261102</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty><ram:Name>Supplier Test SAS</ram:Name></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>{customer}</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>
        <udt:DateTimeString format="102">20261202</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:TaxBasisTotalAmount>{net}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">{tax}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{gross}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{gross}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""


def facturx_pdf(number: str, net: str) -> bytes:
    """The printed invoice with its own CII XML attached, as a Factur-X PDF carries it."""
    amount = Decimal(net)
    xml = CII.format(number=number, customer=CUSTOMER.name, net=net, tax=amount / 5, gross=amount * 6 / 5)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(invoice_pdf(number, net))))
    writer.add_attachment("factur-x.xml", xml.encode())
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_one_layout_one_fingerprint_whatever_the_values() -> None:
    first = extract_document("a.pdf", invoice_pdf("F-2026-0001", "100.00"))
    second = extract_document("b.pdf", invoice_pdf("F-2026-0999", "7350.20"))
    german = extract_document("c.pdf", render_pdf(demo_documents()["R-2026-0414"]))
    assert first.layout and first.layout == second.layout
    assert german.layout and german.layout != first.layout


def test_a_facturx_page_that_matches_its_xml_teaches_the_layout(agent: Agent, runtime: Runtime) -> None:
    deliver(runtime, make_email(files=[("F-2026-0801.pdf", facturx_pdf("F-2026-0801", "100.00"))]))
    agent.tick()
    with session_scope(runtime.engine) as session:
        document = session.exec(select(Document)).one()
        assert (document.method, document.status) == ("facturx", "recorded")
        layout = session.exec(select(Layout)).one()
        assert (layout.validated_by, layout.validations, layout.last_document_id) == ("xml", 1, document.id)
        assert layout.fields["total_gross"] == "total ttc|right"
        remembered = layouts.recall(session, layout=layout.fingerprint)
    # A plain PDF of the same tool, read later: every key field where the validated one had it.
    later = extract_document(
        "F-2026-0802.pdf", invoice_pdf("F-2026-0802", "42.00"), ExtractOptions(layouts=lambda _: remembered)
    )
    assert layouts.fully_confirmed(later)
    assert later.confidence["number"] == layouts.REMEMBERED > 0.95
    # Unlearnt, the same document is read with the extractor's own confidence.
    assert (
        extract_document("F-2026-0802.pdf", invoice_pdf("F-2026-0802", "42.00")).confidence["number"] < 0.96
    )


def test_an_xml_that_disagrees_with_its_page_teaches_nothing(agent: Agent, runtime: Runtime) -> None:
    pdf = facturx_pdf("F-2026-0803", "100.00")
    wrong = pdf.replace(b"<ram:ID>F-2026-0803</ram:ID>", b"<ram:ID>F-2026-0804</ram:ID>")
    assert wrong != pdf
    deliver(runtime, make_email(files=[("F-2026-0803.pdf", wrong)]))
    agent.tick()
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Layout)).all() == []


def test_an_agreeing_llm_teaches_the_layout_and_the_next_document_needs_no_llm_call(
    agent: Agent, runtime: Runtime
) -> None:
    first, second = invoice_pdf("F-2026-0805", "100.00"), invoice_pdf("F-2026-0806", "250.00")
    model = ScriptedToolCallingModel(script=[reading_of(first)])  # one answer: a second call would fail
    runtime.llm = model
    deliver(runtime, make_email(files=[("F-2026-0805.pdf", first)]))
    agent.tick()
    deliver(runtime, make_email(files=[("F-2026-0806.pdf", second)]))
    agent.tick()
    assert len(model.calls) == 1
    with session_scope(runtime.engine) as session:
        documents = {d.filename: d for d in session.exec(select(Document))}
        assert documents["F-2026-0805.pdf"].method == "llm"
        assert session.exec(select(Layout)).one().validated_by == "llm"
        later = documents["F-2026-0806.pdf"]
        assert (later.method, later.status) == ("text", "recorded")
        assert set(layouts.KEY_FIELDS) <= set(later.extraction["layout_confirmed"])


def test_a_field_found_elsewhere_than_remembered_keeps_its_own_confidence() -> None:
    document = extract_document("a.pdf", invoice_pdf("F-2026-0001", "100.00"))
    remembered = {**document.provenance, "total_gross": "grand total|below"}
    later = extract_document(
        "b.pdf", invoice_pdf("F-2026-0002", "10.00"), ExtractOptions(layouts=lambda _: remembered)
    )
    assert "total_gross" not in later.layout_confirmed and not layouts.fully_confirmed(later)
    assert later.confidence["total_gross"] == document.confidence["total_gross"]
