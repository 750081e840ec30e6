"""Reading bounces: the failed address, hard or soft, and what is not a bounce (read receipts, delivery
notifications), on flufl.bounce's sample bounces and ours (benchmarks/inbound/bounces)."""

from __future__ import annotations

from agent.mail.bounce import clean_address, is_soft, read_bounce
from benchmarks import inbound_corpus as corpus
from benchmarks.inbound_reading import measure_bounces


def test_the_development_bounces_are_read_as_labelled() -> None:
    counts = measure_bounces(False, read_bounce)["counts"]
    assert counts["recipient"] / counts["with_recipient"] >= 0.95
    assert counts["kind"] / counts["bounces"] >= 0.95
    assert counts["not_bounce_right"] == counts["not_bounces"]


def test_report_addresses_are_cleaned() -> None:
    assert clean_address("rfc822; @mx1.ruiz.test:pagos@ruiz.test") == "pagos@ruiz.test"
    assert clean_address("RFC822; <AP@Nordic.test>") == "ap@nordic.test"
    assert clean_address("rfc822; david...@gmail.com") is None
    assert clean_address("rfc822; ") is None


def test_a_full_mailbox_is_soft_whatever_its_class() -> None:
    assert is_soft("5.2.2", "552 5.2.2 mailbox full")
    assert is_soft("5.0.0", "Mail quota\n    exceeded")
    assert not is_soft("5.1.1", "550 5.1.1 User unknown")
    assert is_soft("5.1.1", "550 5.1.1 User unknown", "delayed")  # a delay is never final


def test_read_receipts_and_delivery_notices_are_not_bounces() -> None:
    for path, kind, _recipients, _held in corpus.bounce_labels():
        if kind == "not_bounce" and path.parent.name == "written":
            assert read_bounce(path.read_bytes()) is None, path.name


def test_the_address_as_we_sent_it_comes_first() -> None:
    raw = (corpus.ROOT / "bounces" / "written" / "original_recipient_only.eml").read_bytes()
    bounce = read_bounce(raw)
    assert bounce is not None and bounce.recipient == "compta@dupont.test" and bounce.permanent
