"""The text path on three sets together, so that no one of them is tuned to: the generated layouts
(`benchmarks/layouts`), the shared corpus's Factur-X PDFs (XML ignored) and the invoice2data set.

    .venv/bin/python -m benchmarks.unseen [--per-template 10] [--seed 1] [--corpus ../shared/corpus]
                                          [--misses FIELD] [--json]

Per set: each field's accuracy where the truth has it (and, on the corpus, where the page prints it);
the eight key fields together; the customer's address and VAT id; and intake's verdict
(`documents/verdict.doubts`, threshold 0.8, the issuer's name as the company's own): how many documents
would drive reminders with no person's check, and how many of those have a wrong key field.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from agent.documents.extract import ExtractionError, ExtractOptions, extract_document
from agent.documents.schema import ExtractedDocument
from agent.documents.vat import compact
from agent.documents.verdict import doubts
from benchmarks.corpus import TEXT_FIELDS, address_found, address_parts, same, truth_value
from benchmarks.layouts import generate
from benchmarks.layouts.templates import TEMPLATES
from benchmarks.public_pdfs.cases import public_cases
from benchmarks.public_pdfs.fetch import DEFAULT as DEFAULT_PUBLIC

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
THRESHOLD = 0.8
KEY = (
    "document_type",
    "number",
    "issue_date",
    "due_date",
    "currency",
    "total_gross",
    "amount_due",
    "customer_name",
)
READ: dict[str, Callable[[ExtractedDocument], Any]] = {name: read for name, (_, read) in TEXT_FIELDS.items()}
READ["referenced_invoice"] = lambda d: d.referenced_invoice


@dataclass
class Case:
    name: str
    pdf: bytes
    expected: dict[str, Any]  # field -> truth, only the fields to score
    own_names: tuple[str, ...]
    address: list[str] | None = None
    group: str = ""


@dataclass
class Tally:
    scores: dict[str, list[bool]] = field(default_factory=dict)
    accepted: int = 0
    accepted_wrong: list[str] = field(default_factory=list)
    documents: int = 0
    errors: list[str] = field(default_factory=list)
    misses: dict[str, list[str]] = field(default_factory=dict)
    ms: list[float] = field(default_factory=list)

    def add(self, name: str, correct: bool, case: str, got: Any = None, want: Any = None) -> None:
        self.scores.setdefault(name, []).append(correct)
        if not correct:
            self.misses.setdefault(name, []).append(f"{case}: read {got!r}, truth {want!r}")

    def summary(self) -> dict[str, Any]:
        key = [ok for name in KEY for ok in self.scores.get(name, [])]
        return {
            "documents": self.documents,
            "errors": len(self.errors),
            "fields": {n: f"{sum(v)}/{len(v)} {sum(v) / len(v):.1%}" for n, v in self.scores.items() if v},
            "key_fields": f"{sum(key)}/{len(key)} {sum(key) / max(1, len(key)):.1%}",
            "accepted": self.accepted,
            "accepted_wrong": len(self.accepted_wrong),
            "accepted_wrong_share": f"{len(self.accepted_wrong) / max(1, self.accepted):.1%}",
            "accepted_wrong_documents": self.accepted_wrong,
            "ms_median": round(statistics.median(self.ms), 1) if self.ms else None,
        }


def _same(name: str, want: Any, got: Any) -> bool:
    if name == "customer_vat_id" and want and got:  # a Swiss id's MWST/TVA/IVA suffix is part of it
        return compact(str(want)) == compact(str(got))
    if name in ("total_net", "total_tax", "total_gross", "amount_due") and want is not None:
        return got is not None and Decimal(str(got)) == Decimal(str(want))
    return same(name, want, got)


def measure(cases: Iterator[Case]) -> Tally:
    tally = Tally()
    for case in cases:
        tally.documents += 1
        started = time.perf_counter()
        try:
            document = extract_document(
                f"{case.name}.pdf",
                case.pdf,
                ExtractOptions(ignore_embedded=True, company_names=case.own_names),
            )
        except ExtractionError as error:
            tally.errors.append(f"{case.name}: {error}")
            continue
        tally.ms.append((time.perf_counter() - started) * 1000)
        wrong_key = False
        for name, want in case.expected.items():
            got = READ[name](document)
            correct = _same(name, want, got)
            tally.add(name, correct, case.name, got, want)
            wrong_key |= name in KEY and not correct
        if case.address:
            tally.add("customer_address", address_found(case.address, document.customer.address), case.name,
                      document.customer.address, case.address)  # fmt: skip
        if not doubts(document, THRESHOLD, list(case.own_names)):
            tally.accepted += 1
            if wrong_key:
                tally.accepted_wrong.append(case.name)
    return tally


def generated_cases(per_template: int, seed: int, reword: int = 0) -> Iterator[Case]:
    """`reword`: shift each template's wording seed, so that its labels are worded otherwise than on the
    set the rules were developed on (the same layouts, other words: a check against tuning to them)."""
    templates = (
        [replace(t, seed=t.seed + reword, name=f"{t.name}~{reword}") for t in TEMPLATES] if reword else None
    )
    for made in generate(per_template=per_template, seed=seed, templates=templates):
        truth = made.truth
        expected = {
            n: truth[n]
            for n in [*KEY, "total_net", "total_tax", "customer_vat_id"]
            if truth.get(n) is not None
        }
        if truth["referenced_invoice"]:
            expected["referenced_invoice"] = truth["referenced_invoice"]
        yield Case(
            made.name, made.pdf, expected, made.own_names, truth["customer_address"], made.template.name
        )


def corpus_cases(corpus: Path) -> Iterator[Case]:
    folder = corpus / "einvoices"
    manifest = [
        json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines() if line.strip()
    ]
    for meta in sorted(manifest, key=lambda m: m["id"]):
        path = folder / f"{meta['id']}.pdf"
        if meta.get("suspect_source") or not path.exists():
            continue
        truth = json.loads(path.with_suffix(".truth.json").read_text())
        visible = meta.get("visible_in_text", {})
        expected = {
            name: truth_value(truth, name)
            for name, (key, _) in TEXT_FIELDS.items()
            if truth_value(truth, name) is not None and (key is None or visible.get(key))
        }
        address = address_parts(truth) if visible.get("buyer_name") else None
        own = tuple(n for n in [truth["seller"].get("name")] if n)
        yield Case(meta["id"], path.read_bytes(), expected, own, address)


INVOICE2DATA = {
    "invoice_number": "number",
    "date": "issue_date",
    "date_due": "due_date",
    "amount": "total_gross",
    "amount_untaxed": "total_net",
    "amount_tax": "total_tax",
    "currency": "currency",
}


def invoice2data_cases(corpus: Path) -> Iterator[Case]:
    for path in sorted((corpus / "invoice2data").glob("*.pdf")):
        want = json.loads(path.with_suffix(".json").read_text())
        want = want[0] if isinstance(want, list) else want
        expected = {
            name: (str(want[key]).lstrip("#") if name == "number" else want[key])
            for key, name in INVOICE2DATA.items()
            if want.get(key) is not None
        }
        for name in ("total_gross", "total_net", "total_tax"):
            if name in expected:
                expected[name] = Decimal(str(expected[name])).quantize(Decimal("0.01"))
        own = tuple(str(n) for n in (want.get("issuer"), want.get("partner_name")) if n)
        yield Case(path.stem, path.read_bytes(), expected, own)


def public(folder: Path, half: str) -> Iterator[Case]:
    """The public PDFs of `benchmarks/public_pdfs` (fetched first by its fetch.py), one half of them."""
    for name, pdf, expected, own, address in public_cases(folder, half):
        yield Case(name, pdf, expected, own, address)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--per-template", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reword", type=int, default=0, help="shift the templates' wording seeds")
    parser.add_argument("--misses", help="list the documents that miss this field (or 'accepted_wrong')")
    parser.add_argument("--public", type=Path, default=DEFAULT_PUBLIC, help="the folder fetch.py filled")
    parser.add_argument(
        "--only", choices=["generated", "corpus", "invoice2data", "public-dev", "public-held"]
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sets = {
        "generated": lambda: generated_cases(args.per_template, args.seed, args.reword),
        "corpus": lambda: corpus_cases(args.corpus),
        "invoice2data": lambda: invoice2data_cases(args.corpus),
        "public-dev": lambda: public(args.public, "dev"),
        "public-held": lambda: public(args.public, "held"),
    }
    results = {}
    for name, cases in sets.items():
        if (args.only and name != args.only) or (name.startswith("public") and not args.public.exists()):
            continue
        tally = measure(cases())
        results[name] = tally.summary()
        if args.misses:
            misses = (
                tally.accepted_wrong if args.misses == "accepted_wrong" else tally.misses.get(args.misses, [])
            )
            results[name]["misses"] = misses
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return
    for name, summary in results.items():
        print(
            f"{name}: {summary['documents']} documents, eight key fields {summary['key_fields']}, "
            f"accepted {summary['accepted']}, of which wrong {summary['accepted_wrong']} "
            f"({summary['accepted_wrong_share']}), median {summary['ms_median']} ms"
        )
        for field_name, score in summary["fields"].items():
            print(f"    {field_name:20} {score}")
        for line in summary.get("misses", []):
            print(f"    - {line}")


if __name__ == "__main__":
    main()
