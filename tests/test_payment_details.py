"""Payment details: the RF reference, the EPC QR code read back by a decoder that is not its encoder
(zxing-cpp), the cases where no QR code can be made, the payment link, and a wrong IBAN refused at load."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pydantic import ValidationError

from agent.reminders.payment_details import creditor_reference, invoice_ids_in, payment_details
from agent.settings import CompanySettings, Settings


def iso11649_by_hand(body: str) -> str:
    """ISO 11649 written out: body + "RF00", letters as numbers (R=27, F=15), 98 minus the rest mod 97."""
    check = 98 - int(body + "271500") % 97
    return f"RF{check:02d}{body}"


def decode(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1 and results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0].text


# One company per language, each with non-ASCII in its name (the payload is UTF-8) and its country's IBAN.
SEVEN = [
    ("fr", "Atelier Numérique SAS", "FR1420041010050500013M02606", "FA-2026-118", "1440.00", "EUR1440"),
    ("de", "Müller & Söhne GmbH", "DE89370400440532013000", "RE-2026/0042", "2380.50", "EUR2380.5"),
    ("es", "Construcciones Peña S.L.", "ES9121000418450200051332", "F2026-0007", "99.99", "EUR99.99"),
    ("it", "Caffè Ducale S.r.l.", "IT60X0542811101000000123456", "FT 118/2026", "12.30", "EUR12.3"),
    ("nl", "Bloemenhandel Één B.V.", "NL91ABNA0417164300", "2026-0119", "0.01", "EUR0.01"),
    ("pt", "Construções Ação Lda", "PT50000201231234567890154", "FT 2026/55", "1000000.00", "EUR1000000"),
    ("en", "Ó Briain Widgets Ltd", "IE29AIBK93115212345678", "INV-2041", "2500.00", "EUR2500"),
]


@pytest.mark.parametrize(("language", "name", "iban", "number", "amount", "amount_line"), SEVEN)
def test_the_qr_code_reads_back_to_the_exact_epc_payload(
    language: str, name: str, iban: str, number: str, amount: str, amount_line: str
) -> None:
    invoice_id = 4711 + [row[0] for row in SEVEN].index(language)  # a different reference each time
    company = CompanySettings(name=name, iban=iban, country=iban[:2])
    details = payment_details(
        company=company,
        link_template=None,
        invoice_id=invoice_id,
        invoice_number=number,
        amount=Decimal(amount),
        currency="EUR",
    )
    reference = iso11649_by_hand(f"{invoice_id:010d}")
    expected = f"BCD\n002\n1\nSCT\n\n{name}\n{iban}\n{amount_line}\n\n{reference}"
    assert details.qr_payload == expected
    assert decode(details.qr_png or b"") == expected
    assert details.qr_missing is None and details.reference_compact == reference
    assert details.reference == " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
    assert details.iban == " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    svg = ET.fromstring(details.qr_svg or "")
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.find("{*}path") is not None


def test_a_bic_outside_the_eea_is_written_and_required() -> None:
    swiss = CompanySettings(name="Uhren Zürich AG", iban="CH9300762011623852957")
    without = payment_details(
        company=swiss,
        link_template=None,
        invoice_id=5,
        invoice_number="R-5",
        amount=Decimal("10"),
        currency="EUR",
    )
    assert without.qr_png is None and without.qr_payload is None
    assert without.qr_missing == "an IBAN from CH (outside the EEA) needs the bank's BIC (company.bic)"
    with_bic = payment_details(
        company=swiss.model_copy(update={"bic": "UBSWCHZH80A"}),
        link_template=None,
        invoice_id=5,
        invoice_number="R-5",
        amount=Decimal("10"),
        currency="EUR",
    )
    assert decode(with_bic.qr_png or b"").split("\n")[4] == "UBSWCHZH80A"


@pytest.mark.parametrize(
    ("iban", "currency", "amount", "reason"),
    [
        (None, "EUR", "10.00", "no company IBAN is configured (company.iban)"),
        ("FR1420041010050500013M02606", "GBP", "10.00", "the invoice is in GBP: an EPC QR code is for euro"),
        (
            "TR330006100519786457841326",
            "EUR",
            "10.00",
            "the company's IBAN is from TR, outside the SEPA scheme",
        ),
        ("FR1420041010050500013M02606", "EUR", "1000000000.00", "the amount 1000000000.00 is outside"),
        ("FR1420041010050500013M02606", "EUR", "0.00", "the amount 0.00 is outside"),
    ],
)
def test_no_qr_code_when_a_bank_could_not_execute_it(
    iban: str | None, currency: str, amount: str, reason: str
) -> None:
    details = payment_details(
        company=CompanySettings(iban=iban),
        link_template=None,
        invoice_id=9,
        invoice_number="F-9",
        amount=Decimal(amount),
        currency=currency,
    )
    assert details.qr_png is None and details.qr_svg is None and details.qr_payload is None
    assert (details.qr_missing or "").startswith(reason)
    assert details.reference == "RF" + iso11649_by_hand("0000000009")[2:4] + " 0000 0000 09"


def test_the_same_invoice_always_gets_the_same_reference_and_two_never_share_one() -> None:
    assert creditor_reference(42) == creditor_reference(42) == iso11649_by_hand("0000000042")
    references = {creditor_reference(i) for i in range(1, 2000)}
    assert len(references) == 1999
    with pytest.raises(ValueError, match="does not fit"):
        creditor_reference(10**10)


def test_a_quoted_reference_is_found_with_or_without_spaces_in_any_case() -> None:
    ref = creditor_reference(42)  # RF34 0000 0000 42
    spaced = " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))
    assert invoice_ids_in(f"VIR SEPA {spaced} MERCI") == [42]
    assert invoice_ids_in(f"virement {ref.lower()}") == [42]
    assert invoice_ids_in(f"/ROC/{ref}/") == [42]
    assert invoice_ids_in(f"{creditor_reference(7)} + {spaced} + {ref}") == [7, 42]
    assert invoice_ids_in(ref.replace("RF34", "RF35")) == []  # wrong check digits
    assert invoice_ids_in(ref + "1") == []  # a longer reference, someone else's
    assert invoice_ids_in("X" + ref) == []
    assert invoice_ids_in("RF18 5390 0754 7034") == []  # a valid RF of another creditor's form


def test_the_payment_link_escapes_each_field() -> None:
    details = payment_details(
        company=CompanySettings(),
        link_template="https://pay.example.com/{invoice_number}?amount={amount}&ref={reference}",
        invoice_id=42,
        invoice_number="FA 2026/118&x=1",
        amount=Decimal("1440"),
        currency="EUR",
    )
    assert details.link == (
        "https://pay.example.com/FA%202026%2F118%26x%3D1?amount=1440.00&ref=" + creditor_reference(42)
    )
    none = payment_details(
        company=CompanySettings(),
        link_template=None,
        invoice_id=42,
        invoice_number="F",
        amount=Decimal("1"),
        currency="EUR",
    )
    assert none.link is None


def test_a_wrong_iban_or_bic_is_refused_when_the_settings_load(tmp_path: Path) -> None:
    (tmp_path / "relance.toml").write_text('[company]\niban = "FR76 3000 6000 0112 3456 7890 188"\n')
    with pytest.raises(
        ValidationError, match=r"company.iban 'FR76 3000 6000 0112 3456 7890 188' is not a valid"
    ):
        Settings(data_dir=tmp_path)
    (tmp_path / "relance.toml").write_text(
        '[company]\niban = "fr76 3000 6000 0112 3456 7890 189"\nbic = "agrifrpp"\n'
    )
    settings = Settings(data_dir=tmp_path)
    assert (settings.company.iban, settings.company.bic) == ("FR7630006000011234567890189", "AGRIFRPP")
    (tmp_path / "relance.toml").write_text('[company]\nbic = "AGRI"\n')
    with pytest.raises(ValidationError, match=r"company\.bic 'AGRI' is not a valid BIC"):
        Settings(data_dir=tmp_path)
    (tmp_path / "relance.toml").write_text('[payments]\nlink_template = "https://pay.example.com/{id}"\n')
    with pytest.raises(ValidationError, match=r"unknown field \{id\}"):
        Settings(data_dir=tmp_path)
