"""Finance's answer to the weekly digest: orders read in seven languages, anything unclear refused."""

from __future__ import annotations

import pytest

from agent.finance.digest_commands import read_orders

KNOWN = ["FA-2026-118", "FA-2026-119", "F/2026/7"]


@pytest.mark.parametrize(
    ("line", "verb"),
    [
        ("pause FA-2026-118", "pause"),
        ("Please put on hold FA-2026-118, the customer called.", "pause"),
        ("Mettre en pause FA-2026-118", "pause"),
        ("Suspendez FA-2026-118 svp", "pause"),
        ("FA-2026-118 bitte pausieren", "pause"),
        ("Pausar FA-2026-118", "pause"),
        ("Sospendi FA-2026-118", "pause"),
        ("FA-2026-118 pauzeren a.u.b.", "pause"),
        ("Suspender FA-2026-118", "pause"),
        ("resume fa-2026-118", "resume"),
        ("Reprendre FA-2026-118", "resume"),
        ("FA-2026-118 fortsetzen", "resume"),
        ("Reanudar FA-2026-118", "resume"),
        ("Riprendi FA-2026-118", "resume"),
        ("Hervat FA-2026-118", "resume"),
        ("Retomar FA-2026-118", "resume"),
        ("skip FA-2026-118", "skip"),
        ("Sauter FA-2026-118", "skip"),
        ("FA-2026-118 überspringen", "skip"),
        ("Omitir FA-2026-118", "skip"),
        ("Salta FA-2026-118", "skip"),
        ("FA-2026-118 overslaan", "skip"),
        ("Pular FA-2026-118", "skip"),
    ],
)
def test_one_order_per_line_in_every_language(line: str, verb: str) -> None:
    read = read_orders(line, KNOWN)
    assert [(o.verb, o.number) for o in read.orders] == [(verb, "FA-2026-118")]
    assert read.refused == []


def test_several_lines_greetings_passed_over_and_the_quoted_digest_ignored() -> None:
    text = (
        "Bonjour,\n\npause FA-2026-118\nskip F/2026/7.\n\nMerci\nClaire\n\n"
        "Le lun. 7 déc. 2026 à 08:00, relance <ar@example.com> a écrit :\n"
        "> FA-2026-119  final_notice  mardi\n> pause FA-2026-119\n"
    )
    read = read_orders(text, KNOWN)
    assert [(o.verb, o.number) for o in read.orders] == [("pause", "FA-2026-118"), ("skip", "F/2026/7")]
    assert read.refused == []


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("pause FA-2026-999", "no invoice known by the number FA-2026-999"),
        ("pause FA-2026-118 and FA-2026-119", "several invoices on one line: one order per line"),
        ("pause then resume FA-2026-118", "more than one order on one line"),
        ("FA-2026-118 was paid yesterday", "no order word (pause, resume, skip)"),
        ("pause everything", "no invoice number"),
    ],
)
def test_what_is_unclear_is_refused_with_its_reason(line: str, why: str) -> None:
    read = read_orders(line, KNOWN)
    assert read.orders == []
    assert [(r.line, r.in_english()) for r in read.refused] == [(line, why)]
