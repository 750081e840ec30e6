"""How well relance reads people's mail: customers' replies, finance's contact answers, automatic
replies and bounces, on the corpus in benchmarks/inbound/ (its README says what is in it).

    .venv/bin/python -m benchmarks.inbound_reading [--before REV] [--held-out] [--misses] [--json]

Figures for the development part, or with --held-out for the part kept aside while developing.
--before REV measures the readers as they were at git revision REV (their files are taken from git
and loaded beside the current ones) in the same run. --misses lists what was read wrong.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
import types
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks import inbound_corpus as corpus

INTENT_NAMES = {"copy": "copy_request", "contact": "contact_change"}
READERS = {
    "quoting": "agent/mail/quoting.py",
    "reading": "agent/customers/reading.py",
    "contact_answers": "agent/finance/contact_answers.py",
    "bounce": "agent/mail/bounce.py",
}


def load_before(rev: str) -> types.SimpleNamespace:
    """The readers' modules as they were at `rev`, loaded under other names (quoting first: the
    others import it)."""
    root = Path(__file__).resolve().parent.parent
    loaded: dict[str, types.ModuleType] = {}
    for name, path in READERS.items():
        try:
            source = subprocess.run(
                ["git", "show", f"{rev}:{path}"], cwd=root, capture_output=True, text=True, check=True
            ).stdout
        except subprocess.CalledProcessError:
            continue
        source = source.replace("from agent.mail.quoting import", "from before_quoting import")
        module_name = f"before_{name}"
        spec = importlib.util.spec_from_loader(module_name, loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        exec(compile(source, f"{rev}:{path}", "exec"), module.__dict__)
        loaded[name] = module
    return types.SimpleNamespace(**loaded)


def _pct(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.1f} %)" if total else "n/a"


def _norm(text: str) -> str:
    return " ".join(text.split())


def measure_quoting(items: list[corpus.Labelled], strip: Callable[[str], str]) -> tuple[int, int, list[str]]:
    """A reply is cut well when its own words are all kept and none of our reminder's are."""
    good, misses = 0, []
    for item in items:
        body = corpus.reply_body(item)
        kept = _norm(strip(body))
        if _norm(item.text) in kept and corpus.MARKER not in kept:
            good += 1
        else:
            misses.append(f"[{corpus.wrapping(item)}/{item.language}] {kept[:120]!r}")
    return good, len(items), misses


def library_strippers() -> dict[str, Callable[[str], str]]:
    found: dict[str, Callable[[str], str]] = {}
    try:
        import quotequail

        def by_quotequail(text: str) -> str:
            parts = quotequail.quote(text)
            return "\n".join(part for shown, part in parts if shown)

        found["quotequail 0.5"] = by_quotequail
    except ImportError:
        pass
    try:
        from mailparser_reply import EmailReplyParser

        parser = EmailReplyParser(languages=["en", "fr", "de", "es", "it", "nl", "pt"])

        def by_mail_parser_reply(text: str) -> str:
            return parser.parse_reply(text=text)

        found["mail-parser-reply 1.36"] = by_mail_parser_reply
    except (ImportError, Exception):  # an unknown language list raises on older versions
        pass
    return found


def measure_replies(items: list[corpus.Labelled], read: Callable[..., Any], *, new: bool) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    misses: list[str] = []
    for item in items:
        body = corpus.reply_body(item)
        expected = {INTENT_NAMES.get(i, i) for i in item.intents}
        reading = read(body, written_on=item.written_on)
        got = set(reading.intents) if new else ({reading.intent} - {"other"})
        counts["replies"] += 1
        counts["intent_exact"] += got == expected
        firmest = (reading.intents[:1] or ("other",))[0] if new else reading.intent
        counts["firmest_right"] += firmest == next(
            i
            for i in ("dispute", "already_paid", "promise", "copy_request", "contact_change", "question")
            if i in expected
        )
        if got != expected:
            misses.append(
                f"intent [{item.language}] {sorted(expected)} read {sorted(got)}: {item.text[:90]!r}"
            )
        if "date" in item.labels:
            counts["promises"] += 1
            promised = (
                reading.promised_for if not new else getattr(reading.finding("promise"), "promised_for", None)
            )
            if promised == date.fromisoformat(item.labels["date"]):
                counts["promise_date"] += 1
            else:
                misses.append(
                    f"date [{item.language}] {item.labels['date']} read {promised}: {item.text[:90]!r}"
                )
        paid = reading.finding("already_paid") if new else None
        for key, attribute, convert in (
            ("paid", "paid_on", date.fromisoformat),
            ("amount", "amount", Decimal),
            ("ref", "reference", str),
        ):
            if key in item.labels:
                counts[f"{key}_total"] += 1
                value = getattr(paid, attribute, None) if paid else None
                if value == convert(item.labels[key]):
                    counts[key] += 1
                else:
                    misses.append(
                        f"{key} [{item.language}] {item.labels[key]} read {value}: {item.text[:90]!r}"
                    )
        if "email" in item.labels:
            counts["address_total"] += 1
            change = reading.finding("contact_change") if new else None
            counts["address"] += bool(change and change.address == item.labels["email"])
    return {"counts": counts, "misses": misses}


def measure_contacts(items: list[corpus.Labelled], parse: Callable[[str], Any]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    misses = []
    for item in items:
        answer = parse(item.text)
        counts["answers"] += 1
        for key, got in (("email", answer.email), ("name", answer.name), ("lang", answer.language)):
            expected = item.labels.get(key) or None
            ok = (got or None) == expected
            counts[key] += ok
            if not ok:
                misses.append(f"{key}: expected {expected!r}, read {got!r}: {item.text[:100]!r}")
        counts["wrong_address"] += bool(answer.email and answer.email != item.labels.get("email"))
        counts["sentence_as_name"] += bool(answer.name and len(answer.name.split()) > 4)
    return {"counts": counts, "misses": misses}


def measure_auto(
    items: list[corpus.Labelled],
    kind_of: Callable[[Any], str | None],
    back_of: Callable[[Any, date], date | None],
    answer_of: Callable[[Any], bool],
) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    misses = []
    for item in items:
        message = corpus.auto_reply_message(item)
        kind = kind_of(message)
        counts["auto"] += 1
        counts["detected"] += kind is not None
        counts["kind"] += kind == item.labels["kind"]
        counts["taken_as_answer"] += answer_of(message)
        if kind != item.labels["kind"]:
            misses.append(f"kind {item.labels['kind']} read {kind}: {item.extra[0]!r} {item.text[:80]!r}")
        if "back" in item.labels:
            counts["backs"] += 1
            back = back_of(message, item.written_on)
            counts["back"] += back == date.fromisoformat(item.labels["back"])
            if back != date.fromisoformat(item.labels["back"]):
                misses.append(f"back {item.labels['back']} read {back}: {item.text[:80]!r}")
    return {"counts": counts, "misses": misses}


def measure_bounces(held_out: bool, read: Callable[[bytes], Any]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    misses = []
    for path, kind, recipients, is_held in corpus.bounce_labels():
        if is_held != held_out:
            continue
        try:
            bounce = read(path.read_bytes())
        except Exception as error:  # the code as it was may crash on a real bounce: counted, not fatal
            bounce = None
            counts["crashed"] += 1
            misses.append(f"crashed {path.name}: {type(error).__name__}")
        counts["messages"] += 1
        if kind == "not_bounce":
            counts["not_bounces"] += 1
            counts["not_bounce_right"] += bounce is None
            continue
        counts["bounces"] += 1
        got = set(
            getattr(bounce, "recipients", ()) or ([bounce.recipient] if bounce and bounce.recipient else [])
        )
        if recipients:
            counts["with_recipient"] += 1
            counts["recipient"] += {r.lower() for r in got} == set(recipients)
            if {r.lower() for r in got} != set(recipients):
                misses.append(f"recipient {path.name}: {sorted(recipients)} read {sorted(got)}")
        right_kind = bounce is not None and bounce.permanent == (kind == "hard")
        counts["kind"] += right_kind
        if not right_kind:
            got_kind = None if bounce is None else ("hard" if bounce.permanent else "soft")
            misses.append(f"kind {path.name}: {kind} read {got_kind}")
    return {"counts": counts, "misses": misses}


def run(held_out: bool, before: str | None) -> dict[str, Any]:
    from agent.customers.reading import read_reply, return_date
    from agent.finance.contact_answers import parse_contact_answer
    from agent.mail.autoreply import automatic_kind
    from agent.mail.bounce import read_bounce
    from agent.mail.quoting import strip_quoted

    replies = corpus.customer_replies(held_out=held_out)
    contacts = corpus.contact_answers(held_out=held_out)
    autos = corpus.auto_replies(held_out=held_out)
    results: dict[str, Any] = {"set": "held out" if held_out else "development"}

    def kind_now(message: Any) -> str | None:
        return automatic_kind(
            dict(message.items()),
            str(message["Subject"]),
            _body(message),
            content_type=message.get_content_type() + str(message.get_params()),
        )

    started = time.perf_counter()
    results["replies"] = measure_replies(replies, read_reply, new=True)
    results["contacts"] = measure_contacts(contacts, parse_contact_answer)
    results["auto"] = measure_auto(
        autos,
        kind_now,
        lambda m, on: return_date(_body(m), on),
        lambda m: (
            kind_now(m) is None
            and (
                parse_contact_answer(_body(m)).email is not None
                or read_reply(_body(m), written_on=date(2026, 11, 18)).intent != "other"
            )
        ),
    )
    results["bounces"] = measure_bounces(held_out, read_bounce)
    results["quoting"] = {"relance": measure_quoting(replies, strip_quoted)}
    for name, strip in library_strippers().items():
        results["quoting"][name] = measure_quoting(replies, strip)
    results["seconds"] = time.perf_counter() - started
    if before:
        old = load_before(before)
        results["before"] = {
            "replies": measure_replies(replies, old.reading.read_reply, new=False),
            "contacts": measure_contacts(contacts, old.contact_answers.parse_contact_answer),
            "auto": measure_auto(
                autos,
                lambda m: (
                    "out_of_office" if old.reading.is_out_of_office(str(m["Subject"]), _body(m)) else None
                ),
                lambda m, on: old.reading.return_date(_body(m), on),
                lambda m: (
                    not old.reading.is_out_of_office(str(m["Subject"]), _body(m))
                    and (
                        old.contact_answers.parse_contact_answer(_body(m)).email is not None
                        or old.reading.read_reply(_body(m), written_on=date(2026, 11, 18)).intent != "other"
                    )
                ),
            ),
            "bounces": measure_bounces(held_out, old.bounce.read_bounce),
            "quoting": measure_quoting(replies, old.quoting.strip_quoted),
        }
    return results


def _body(message: Any) -> str:
    part = message.get_body(("plain",)) if hasattr(message, "get_body") else None
    return part.get_content() if part is not None else ""


def summary(results: dict[str, Any], prefix: str = "") -> list[str]:
    r, c = results["replies"]["counts"], results["contacts"]["counts"]
    a, b = results["auto"]["counts"], results["bounces"]["counts"]
    lines = [
        f"{prefix}customer replies: intents exactly right {_pct(r['intent_exact'], r['replies'])}, "
        f"firmest intent {_pct(r['firmest_right'], r['replies'])}; "
        f"promise dates {_pct(r['promise_date'], r['promises'])}; "
        f"paid on {_pct(r['paid'], r['paid_total'])}, amount {_pct(r['amount'], r['amount_total'])}, "
        f"reference {_pct(r['ref'], r['ref_total'])}; "
        f"new contact address {_pct(r['address'], r['address_total'])}",
        f"{prefix}contact answers: e-mail {_pct(c['email'], c['answers'])}, "
        f"name {_pct(c['name'], c['answers'])}, language {_pct(c['lang'], c['answers'])}; "
        f"a wrong address taken {c['wrong_address']}, a sentence as a name {c['sentence_as_name']}",
        f"{prefix}automatic replies: detected {_pct(a['detected'], a['auto'])}, "
        f"kind {_pct(a['kind'], a['auto'])}, return date {_pct(a['back'], a['backs'])}; "
        f"taken as an answer or a reading {a['taken_as_answer']}",
        f"{prefix}bounces: failed recipient {_pct(b['recipient'], b['with_recipient'])}, "
        f"hard/soft {_pct(b['kind'], b['bounces'])}, "
        f"not-bounces left alone {_pct(b['not_bounce_right'], b['not_bounces'])}; crashed {b['crashed']}",
    ]
    quoting = results["quoting"]
    if isinstance(quoting, tuple):
        lines.append(f"{prefix}quoted text stripped: {_pct(quoting[0], quoting[1])}")
    else:
        lines += [
            f"{prefix}quoted text stripped by {name}: {_pct(q[0], q[1])}" for name, q in quoting.items()
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--held-out", action="store_true")
    parser.add_argument("--before", metavar="REV")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.misses and args.held_out:
        parser.error("the held-out set's misses are not shown: read them and it is no longer held out")
    results = run(args.held_out, args.before)
    if args.json:
        print(json.dumps(results, default=str, indent=1))
        return
    print(f"{results['set']} set, read in {results['seconds']:.1f} s")
    print("\n".join(summary(results)))
    if "before" in results:
        print(f"\nbefore ({args.before}):")
        print("\n".join(summary(results["before"], "  ")))
    if args.misses:
        for section in ("replies", "contacts", "auto", "bounces"):
            for miss in results[section]["misses"]:
                print(f"  {section}: {miss}")
        for miss in results["quoting"]["relance"][2]:
            print(f"  quoting: {miss}")


if __name__ == "__main__":
    main()
