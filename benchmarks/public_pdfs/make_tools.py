"""Invoices drawn by three public billing libraries this project did not write, with made-up data.

Run by `fetch.py` inside a virtual environment of its own that holds the libraries (never imported by
relance): `python make_tools.py OUT_DIR`. Each library lays out the page its own way, and embeds the
invoice as Factur-X / ZUGFeRD XML, which is the truth the text path is measured against (its XML is
ignored when reading). The data (parties, lines, dates, types) are drawn with fixed seeds, so the same
versions of the libraries give the same files.

- erechnung (MIT): German DIN 5008 letter layout, German or English.
- eu-einvoice (MIT): a renderer of the EN 16931 model, in de, fr, nl, it, es, en.
- facturex (MIT): French layout, themes "sobre" and "moderne".
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

CENT = Decimal("0.01")

PARTIES = {
    "DE": [
        ("Brenner Haustechnik GmbH", "Lindenweg", "14", "70173", "Stuttgart", "DE811234567"),
        ("Kaufhaus Weber KG", "Marktplatz", "3", "04109", "Leipzig", "DE267498135"),
        ("Ostsee Logistik AG", "Hafenstraße", "88", "18055", "Rostock", "DE300123456"),
        ("Praxis Dr. Anna Vogt", "Gartenstraße", "5", "79098", "Freiburg", "DE145678901"),
    ],
    "FR": [
        ("Boulangerie Martin SARL", "rue des Lilas", "7", "35000", "Rennes", "FR40303265045"),
        ("Transports Girard SAS", "avenue Jean Jaurès", "112", "69007", "Lyon", "FR83404833048"),
        ("Cabinet Roux & Associés", "boulevard Carnot", "21", "06000", "Nice", "FR60528551658"),
    ],
    "NL": [
        ("Bakkerij De Vries B.V.", "Kerkstraat", "12", "3511 LX", "Utrecht", "NL853746333B01"),
        ("Jansen Installatietechniek", "Dorpsweg", "45", "1234 AB", "Amstelveen", "NL004495445B01"),
    ],
    "IT": [
        ("Ferramenta Rossi S.r.l.", "Via Garibaldi", "18", "10122", "Torino", "IT12345670017"),
        ("Studio Bianchi & C. S.n.c.", "Corso Italia", "4", "20122", "Milano", "IT00743110157"),
    ],
    "ES": [
        ("Talleres García S.L.", "Calle Mayor", "25", "28013", "Madrid", "ESB12345674"),
        ("Distribuciones López S.A.", "Avenida Diagonal", "300", "08013", "Barcelona", "ESA08001851"),
    ],
    "GB": [
        ("Harbour Lane Supplies Ltd", "Harbour Lane", "9", "BS1 4DJ", "Bristol", "GB123456782"),
        ("Northfield Consulting LLP", "High Street", "201", "M1 1AE", "Manchester", "GB980780684"),
    ],
}
ITEMS = [
    ("Wartung Heizungsanlage", "Maintenance annuelle", "Onderhoud", "Manutenzione", "Mantenimiento"),
    ("Beratung", "Conseil", "Advies", "Consulenza", "Consultoría"),
    ("Kabel 3x1,5 mm²", "Câble 3G1,5", "Kabel 3x1,5", "Cavo 3x1,5", "Cable 3x1,5"),
    ("Software-Lizenz", "Licence logiciel", "Softwarelicentie", "Licenza software", "Licencia software"),
    ("Transport", "Transport", "Transport", "Trasporto", "Transporte"),
]
LANG_INDEX = {"de": 0, "fr": 1, "nl": 2, "it": 3, "es": 4, "en": 1}
COUNTRY_OF = {"de": "DE", "fr": "FR", "nl": "NL", "it": "IT", "es": "ES", "en": "GB"}
RATES = {"DE": ["19", "7"], "FR": ["20", "5.5"], "NL": ["21", "9"], "IT": ["22", "10"], "ES": ["21", "10"],
         "GB": ["20", "5"]}  # fmt: skip


def _lines(rng: random.Random, country: str, lang: str) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    rates = RATES[country]
    picked = rng.sample(ITEMS, rng.randint(1, 4))
    return [
        (
            item[LANG_INDEX[lang]],
            Decimal(rng.choice([1, 1, 2, 3, 5, 10, 12, 40])),
            Decimal(rng.randint(150, 95000)) / 100,
            Decimal(rates[0] if rng.random() < 0.75 else rates[1]),
        )
        for item in picked
    ]


def _parties(rng: random.Random, country: str) -> tuple[tuple, tuple]:
    seller = rng.choice(PARTIES[country])
    buyers = [
        p for c, ps in PARTIES.items() for p in ps if p != seller and (c == country or rng.random() < 0.1)
    ]
    return seller, rng.choice(buyers)


def erechnung_files(out: Path, count: int, seed: int) -> None:
    from erechnung import Customer, CustomerType, Invoice, InvoiceType, Language, LineItem, Seller, Skonto

    rng = random.Random(seed)
    for n in range(count):
        lang = Language.EN if n % 3 == 2 else Language.DE
        s, b = _parties(rng, "DE")
        issue = date(2026, 1, 1) + timedelta(days=rng.randint(0, 330))
        kind = InvoiceType.CREDIT_NOTE if n % 5 == 4 else InvoiceType.STANDARD
        company = rng.random() < 0.8
        customer = Customer(
            company=b[0] if company else "",
            first_name="" if company else rng.choice(["Jonas", "Marie", "Lukas"]),
            last_name="" if company else rng.choice(["Becker", "Schulz", "Hoffmann"]),
            street=b[1], house_number=b[2], postal_code=b[3], city=b[4], country="DE",
            customer_type=CustomerType.B2B if company else CustomerType.B2C,
            customer_number=f"K-{rng.randint(1000, 9999)}" if rng.random() < 0.5 else "",
        )  # fmt: skip
        invoice = Invoice(
            seller=Seller(s[0], s[1], s[2], s[3], s[4], vat_id=s[5], iban="DE89370400440532013000",
                          bic="COBADEFFXXX", email="rechnung@example.de"),
            customer=customer,
            line_items=[LineItem(t, q, p, tax_rate=r) for t, q, p, r in _lines(rng, "DE", "de")],
            invoice_number=f"{rng.choice(['RE', '2026-', 'R'])}{rng.randint(100, 99999)}",
            invoice_type=kind,
            issue_date=issue,
            service_date=issue - timedelta(days=rng.randint(0, 10)),
            due_date=issue + timedelta(days=rng.choice([7, 14, 30])) if rng.random() < 0.7 else None,
            skonto=Skonto(days=10, percent=Decimal("2")) if rng.random() < 0.3 else None,
            reference_number=f"RE{rng.randint(100, 9999)}" if kind is InvoiceType.CREDIT_NOTE else None,
            reference_date=issue - timedelta(days=20) if kind is InvoiceType.CREDIT_NOTE else None,
            language=lang,
        )  # fmt: skip
        invoice.zugferd_file(str(out / f"erechnung_{n:02d}.pdf"))


def eu_einvoice_files(out: Path, count: int, seed: int) -> None:
    from eu_einvoice.cli import build

    rng = random.Random(seed)
    langs = ["de", "fr", "nl", "it", "es", "en"]
    for n in range(count):
        lang = langs[n % len(langs)]
        country = COUNTRY_OF[lang]
        s, b = _parties(rng, country)
        issue = date(2026, 1, 1) + timedelta(days=rng.randint(0, 330))
        credit = n % 4 == 3
        raw = {
            "profile": "facturx",
            "language": lang,
            "type": "credit_note" if credit else "invoice",
            "number": f"{rng.choice(['INV', 'F', 'FV', 'NC'])}-{issue.year}-{rng.randint(10, 9999):04d}",
            "issue_date": issue.isoformat(),
            "currency": "GBP" if country == "GB" else "EUR",
            "seller": _eu_party(s, country),
            "buyer": _eu_party(b, country),
            "payment": {
                "means_code": "58",
                "credit_transfers": [{"iban": "DE89370400440532013000"}],
                "terms": rng.choice(["", "30 days net", "Net 14"]) if lang == "en" else "",
            },
            "lines": [
                {"name": t, "quantity": int(q), "unit": "C62", "price": str(p), "vat_category": "S",
                 "vat_rate": float(r)}
                for t, q, p, r in _lines(rng, country, lang)
            ],
        }  # fmt: skip
        if credit:
            raw["preceding_invoices"] = [{"number": f"F-{rng.randint(100, 999)}", "date": issue.isoformat()}]
        else:
            raw["due_date"] = (issue + timedelta(days=rng.choice([10, 30, 45, 60]))).isoformat()
        build(raw, "facturx", str(out / f"eu_einvoice_{n:02d}_{lang}.pdf"), do_validate=False, force=True)


def _eu_party(party: tuple, country: str) -> dict:
    name, street, number, postcode, city, vat = party
    line = f"{number} {street}" if country in ("FR", "GB") else f"{street} {number}"
    return {
        "name": name,
        "vat_id": vat,
        "address": {"line1": line, "city": city, "postal_code": postcode, "country": vat[:2]},
        "electronic_address": {"id": "billing@example.org", "scheme": "EM"},
    }


def facturex_files(out: Path, count: int, seed: int) -> None:
    from facturex.models import Address, Invoice, LineItem, Party, VatBreakdown
    from facturex.pdfgen import invoice_pdf_rich

    rng = random.Random(seed)
    for n in range(count):
        s, b = _parties(rng, "FR")
        issue = date(2026, 1, 1) + timedelta(days=rng.randint(0, 330))
        lines = _lines(rng, "FR", "fr")
        items = [
            LineItem(id=str(i + 1), name=t, quantity=q, unit_code="C62", unit_price=p, vat_category="S",
                     vat_rate=r, net_amount=(q * p).quantize(CENT))
            for i, (t, q, p, r) in enumerate(lines)
        ]  # fmt: skip
        breakdown = []
        for rate in sorted({r for *_, r in lines}):
            taxable = sum((i.net_amount for i in items if i.vat_rate == rate), Decimal(0))
            breakdown.append(VatBreakdown(category="S", rate=rate, taxable_amount=taxable,
                                          vat_amount=(taxable * rate / 100).quantize(CENT)))  # fmt: skip
        net = sum((v.taxable_amount for v in breakdown), Decimal(0))
        tax = sum((v.vat_amount for v in breakdown), Decimal(0))
        credit = n % 5 == 4
        invoice = Invoice(
            number=f"{'AV' if credit else 'FA'}-{issue.year}-{rng.randint(1, 999):04d}",
            issue_date=issue,
            type_code="381" if credit else "380",
            currency="EUR",
            seller=_fx_party(Party, Address, s),
            buyer=_fx_party(Party, Address, b),
            payment_means_code="58",
            iban="FR7630006000011234567890189",
            payment_terms=rng.choice(["Paiement à 30 jours", "À réception", "45 jours fin de mois"]),
            due_date=issue + timedelta(days=rng.choice([0, 30, 45])),
            lines=items,
            vat_breakdown=breakdown,
            total_line_net=net, total_net=net, total_vat=tax, total_gross=net + tax, amount_due=net + tax,
        )  # fmt: skip
        theme = "moderne" if n % 2 else "sobre"
        (out / f"facturex_{n:02d}_{theme}.pdf").write_bytes(invoice_pdf_rich(invoice, theme=theme, qr=False))


def _fx_party(party_type, address_type, party: tuple):
    name, street, number, postcode, city, vat = party
    address = address_type(line1=f"{number} {street}", postcode=postcode, city=city, country_code=vat[:2])
    return party_type(name=name, address=address, vat_id=vat)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    erechnung_files(target, 12, seed=11)
    eu_einvoice_files(target, 12, seed=12)
    facturex_files(target, 12, seed=13)
