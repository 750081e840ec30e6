"""The readers of people's mail on their own: customers' replies, finance's contact answers, automatic
replies, quoted text. The corpus guard runs the development corpus of benchmarks/inbound/ (its held-out
part is measured by the benchmark only, never by a test, so that it stays unseen)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agent.customers.reading import read_reply, return_date
from agent.finance.contact_answers import looks_like_name, parse_contact_answer, read_contact_answer
from agent.mail.autoreply import automatic_kind
from agent.mail.quoting import strip_quoted
from benchmarks import inbound_corpus as corpus
from benchmarks.inbound_reading import measure_auto, measure_contacts, measure_quoting, measure_replies

WEDNESDAY = date(2026, 11, 18)


def test_the_development_corpus_is_read_as_labelled() -> None:
    """The figures of docs/benchmarks.md, as a floor: a change that loses them fails here."""
    replies = corpus.customer_replies(held_out=False)
    counts = measure_replies(replies, read_reply, new=True)["counts"]
    assert counts["intent_exact"] / counts["replies"] >= 0.97
    assert counts["promise_date"] / counts["promises"] >= 0.97
    good, total, _ = measure_quoting(replies, strip_quoted)
    assert good == total
    contacts = measure_contacts(corpus.contact_answers(held_out=False), parse_contact_answer)["counts"]
    assert contacts["name"] / contacts["answers"] >= 0.95 and contacts["wrong_address"] == 0


def test_no_automatic_reply_is_read_as_an_answer() -> None:
    def kind(message: object) -> str | None:
        return automatic_kind(
            dict(message.items()),  # type: ignore[attr-defined]
            str(message["Subject"]),  # type: ignore[index]
            message.get_body(("plain",)).get_content(),  # type: ignore[attr-defined]
            content_type=message.get_content_type() + str(message.get_params()),  # type: ignore[attr-defined]
        )

    counts = measure_auto(corpus.auto_replies(held_out=False), kind, lambda m, on: None, lambda m: False)[
        "counts"
    ]
    assert counts["detected"] == counts["auto"]


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        (
            "The amount is wrong and I cannot find the invoice. Please send me a copy.",
            ("dispute", "copy_request"),
        ),
        ("We will pay next week. From now on write to ap@example.org.", ("promise", "contact_change")),
        ("Could we pay in two instalments?", ("question",)),
        ("Pagamos la semana que viene.", ("promise",)),  # present tense, a date to come: a promise
        ("Pagamos el 3 de noviembre.", ("already_paid",)),  # the same verb, a past date: a payment made
        ("Wir zahlen erst, wenn die beschädigten Artikel ersetzt sind.", ("dispute",)),
    ],
)
def test_every_intent_of_a_reply_is_kept(text: str, intents: tuple[str, ...]) -> None:
    assert read_reply(text, written_on=WEDNESDAY).intents == intents


def test_an_already_paid_gives_its_date_amount_and_reference() -> None:
    reading = read_reply("Payment sent on 3 Nov, 1,250.00 EUR, ref TRX-88213.", written_on=WEDNESDAY)
    paid = reading.finding("already_paid")
    assert paid is not None
    assert (paid.paid_on, paid.amount, paid.reference) == (date(2026, 11, 3), Decimal("1250.00"), "TRX-88213")


def test_a_bottom_posted_reply_keeps_its_answer() -> None:
    text = (
        "Am Mi., 18. Nov. 2026 um 09:12 Uhr schrieb Acme <c@acme.test>:\n> Bitte zahlen Sie.\n\n"
        "Ich überweise am 5.12."
    )
    assert strip_quoted(text) == "Ich überweise am 5.12."
    assert read_reply(text, written_on=WEDNESDAY).promised_for == date(2026, 12, 5)


def test_an_out_of_office_says_when_the_person_is_back() -> None:
    body = "Estaré ausente del 16 al 24 de noviembre. Para urgencias escriba a admin@empresa.es."
    assert automatic_kind({}, "Respuesta automática", body) == "out_of_office"
    assert return_date(body, WEDNESDAY) == date(2026, 11, 24)


def test_a_person_who_mentions_a_holiday_is_not_an_out_of_office() -> None:
    assert automatic_kind({}, "Re: invoice", "Thanks. We will pay on Friday, after my holiday.") is None


def test_finance_answer_rejected_address_and_names() -> None:
    answer = parse_contact_answer(
        "Perdona, en ficha aparece info@ruiz.es pero no lo leen: hay que escribir a contabilidad@ruiz.es"
    )
    assert (answer.email, answer.name) == ("contabilidad@ruiz.es", None)
    answer = parse_contact_answer("Herr Lukas Schmitt aus der Buchhaltung, l.schmitt@schmitt-bau.de, Deutsch")
    assert (answer.name, answer.salutation, answer.language) == ("Lukas Schmitt", "Herr", "de")
    assert not looks_like_name("Hola hay que escribir a")
    assert not looks_like_name("use")


def test_an_out_of_office_to_a_task_is_no_answer() -> None:
    answer = read_contact_answer(
        "I am out of the office until 30 November. For urgent matters contact maria@acme.example.",
        model_reader=lambda text: pytest.fail("an automatic reply is not sent to the model"),
    )
    assert answer.automatic and answer.email is None
