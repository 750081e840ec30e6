"""The workspace's languages: every string of its templates and pages has its French, the catalogs
compile, and the formats follow the user's locale and time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from agent.settings import PROJECT_ROOT
from agent.web.i18n import Formats, catalog_path, negotiate, translations


def source_messages() -> set[str | tuple[str, ...]]:
    """What `_()`, `gettext()` and `ngettext()` are called with in templates/web and agent/web."""
    found = extract_from_dir(
        PROJECT_ROOT / "templates" / "web",
        [("**.html", "jinja2")],
        {"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    code = extract_from_dir(
        Path(PROJECT_ROOT / "agent" / "web"),
        [("**.py", "python")],
        keywords={"gettext": None, "ngettext": (1, 2)},
    )
    return {message for _file, _line, message, _comments, _context in [*found, *code]}


def test_every_string_of_the_workspace_has_its_french() -> None:
    with catalog_path("fr").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    translated = {
        message.id: message.string
        for message in catalog
        if message.id and message.string and all(message.string) and not message.fuzzy
    }
    ids = {key if isinstance(key, str) else key[0] for key in translated}
    wanted = source_messages()
    assert len(wanted) > 100
    missing = sorted(str(m) for m in wanted if (m if isinstance(m, str) else m[0]) not in ids)
    assert missing == []


def test_the_catalog_is_used_with_its_plural_rule() -> None:
    french = translations("fr")
    assert french.gettext("Schedule") == "Échéancier"
    assert french.ngettext("%(num)d step to come", "%(num)d steps to come", 0) == "%(num)d étape à venir"
    assert french.ngettext("%(num)d step to come", "%(num)d steps to come", 2) == "%(num)d étapes à venir"
    assert translations("en").gettext("Schedule") == "Schedule"


def test_formats_follow_the_users_locale_and_zone() -> None:
    instant = datetime(2027, 1, 8, 9, 0, tzinfo=UTC)
    french, english = Formats("fr", "Europe/Paris"), Formats("en", "Europe/London")
    assert french.money(Decimal("2400.5"), "EUR") == "2\u202f400,50\xa0€"
    assert english.money("2400.50", "GBP") == "£2,400.50"
    assert french.instant(instant) == "8 janv. 2027, 10:00"
    assert english.instant(instant) == "Jan 8, 2027, 9:00\u202fAM"
    assert french.time(instant, "America/New_York") == "04:00"
    assert french.heading(date(2027, 1, 8)) == "Vendredi 8 janvier 2027"
    assert french.zone_name("Europe/London") == "Londres"


def test_a_visitor_gets_the_browsers_language_when_we_speak_it() -> None:
    assert negotiate("fr-CH,fr;q=0.9,en;q=0.8") == "fr"
    assert negotiate("de-DE,de;q=0.9") == "en"
    assert negotiate(None) == "en"
