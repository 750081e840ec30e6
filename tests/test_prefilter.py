"""The label pre-pass only ever narrows the search to lines where a label may stand."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.documents import labels
from agent.documents.parties import cell_label_re
from agent.documents.prefilter import candidate_lines, literal_starts

VOCABULARIES = {
    name: value for name, value in vars(labels).items() if name.isupper() and isinstance(value, str)
}
FILTERED = {name: value for name, value in VOCABULARIES.items() if literal_starts(value) is not None}


def test_how_alternatives_begin() -> None:
    starts = literal_starts(r"(?:abweichender\s*)?warenempf[äa]nger|totals?|n[°º]\s*client|^bill to")
    assert starts is not None
    assert set(starts.pattern.replace("\\", "").split("|")) == {
        "abweichender",
        "warenempfänger",
        "warenempfanger",
        "total",
        "n°",
        "nº",
        "bill to",
    }
    assert literal_starts(r"\w*rechnung") is None  # no letters to look for: every line is searched
    assert literal_starts(r"(?<![\w])nr") is None


def test_most_vocabularies_have_a_pre_pass() -> None:
    assert {"TOTAL_GROSS", "ISSUE_DATE", "DUE_DATE", "NUMBER", "CUSTOMER_BLOCK", "CUSTOMER_VAT"} <= set(
        FILTERED
    )


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_a_line_with_a_label_is_always_searched(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(FILTERED)))
    vocabulary = FILTERED[name]
    label = data.draw(st.from_regex(re.compile(vocabulary, re.IGNORECASE), fullmatch=True))
    label = "".join(c.upper() if data.draw(st.booleans()) else c for c in label)  # any case, as printed
    line = data.draw(st.sampled_from(["{}", "  Page 1     {} : 12", "Réf. 7   {}"])).format(label)
    lines = ["Facture F-2026-001", "", line, "Merci de votre confiance"]
    matched = [n for n, text in enumerate(lines) if cell_label_re(vocabulary).search(text)]
    assert set(matched) <= set(candidate_lines(lines, vocabulary)), (name, line)


def test_lines_without_the_words_are_skipped() -> None:
    lines = ["Boulangerie Dupont", "8 place Bellecour", "Total TTC     1 234,56 €", "IBAN FR76 3000"]
    assert list(candidate_lines(lines, labels.TOTAL_GROSS)) == [2]
    folded_first = ["STRASSE 1", "GESAMTBETRAG BRUTTO   99,00"]  # case-folded before the search
    assert list(candidate_lines(folded_first, labels.TOTAL_GROSS)) == [1]
