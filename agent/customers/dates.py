"""Dates in what people write, from the day they wrote it: "le 5.12.", "next Friday", "sous huitaine",
"end of the month", "mañana", "vorige week maandag", "il 1° dicembre".

The rules read what business mail says most and where general parsers go wrong: numeric dates are
day first (month first only for the countries that write so), "am 5.12" is a date and not 05:12, "next
week" without a day is its Friday (the latest day it can mean: a pause that ends a day late is harmless,
a reminder a day early is not), "end of the month" its last day, "sous huitaine" eight days, "sous
quinzaine" fifteen. What they do not know falls to `dateparser` (a well-kept multilingual parser: month
and weekday names, number words, relative phrases in some two hundred locales), with the message's
date as its base; its one-word guesses ("We" read as Wednesday) are not taken.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from agent.documents.parsing import MONTHS_FOLDED
from agent.mail.autoreply import fold

WEEKDAYS = {
    0: ("monday", "mon", "lundi", "montag", "lunes", "lunedi", "maandag", "segunda", "segunda-feira"),
    1: ("tuesday", "tue", "mardi", "dienstag", "martes", "martedi", "dinsdag", "terca", "terca-feira"),
    2: ("wednesday", "wed", "mercredi", "mittwoch", "miercoles", "mercoledi", "woensdag", "quarta",
        "quarta-feira"),
    3: ("thursday", "thu", "jeudi", "donnerstag", "jueves", "giovedi", "donderdag", "quinta", "quinta-feira"),
    4: ("friday", "fri", "vendredi", "freitag", "viernes", "venerdi", "vrijdag", "sexta", "sexta-feira"),
    5: ("saturday", "samedi", "samstag", "sabado", "sabato", "zaterdag"),
    6: ("sunday", "dimanche", "sonntag", "domingo", "domenica", "zondag"),
}  # fmt: skip
WEEKDAY_OF = {name: day for day, names in WEEKDAYS.items() for name in names}
_WEEKDAY_ALT = "|".join(sorted(WEEKDAY_OF, key=len, reverse=True))
_AMBIGUOUS_MONTHS = ("out", "mar", "set")  # outubro, marzo, settembre: also common words
_MONTH_ALT = "|".join(sorted((m for m in MONTHS_FOLDED if m not in _AMBIGUOUS_MONTHS), key=len, reverse=True))
NUMBERS = {
    "one": 1, "a": 1, "an": 1, "un": 1, "une": 1, "ein": 1, "einer": 1, "una": 1, "uno": 1, "een": 1,
    "uma": 1, "um": 1,
    "two": 2, "deux": 2, "zwei": 2, "dos": 2, "due": 2, "twee": 2, "dois": 2, "duas": 2, "three": 3,
    "trois": 3, "drei": 3, "tres": 3, "tre": 3, "drie": 3, "four": 4, "quatre": 4, "vier": 4, "cuatro": 4,
    "quattro": 4, "quatro": 4, "five": 5, "cinq": 5, "funf": 5, "cinco": 5, "cinque": 5, "vijf": 5, "ten": 10,
    "dix": 10, "zehn": 10, "diez": 10, "dieci": 10, "tien": 10, "dez": 10, "fifteen": 15, "quinze": 15,
}  # fmt: skip
_NUMBER_ALT = r"\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True))

TODAY = re.compile(r"\b(?:today|aujourd'hui|heute|hoy|oggi|vandaag|hoje|this afternoon|cet apres-midi)\b")
TOMORROW = re.compile(
    r"\b(?:tomorrow|demain|morgen|manana|domani|morgenochtend|amanha)\b(?!\s+(?:de\s+)?(?:on|dia))"
)
AFTER_TOMORROW = re.compile(r"\b(?:day after tomorrow|apres-demain|ubermorgen|pasado manana|dopodomani"
                            r"|overmorgen"
                            r"|depois de amanha)\b")  # fmt: skip
YESTERDAY = re.compile(r"\b(?:yesterday|hier|gestern|ayer|ieri|gisteren|ontem)\b")
NEXT = (
    r"(?:next|coming|prochaine?|nachste[nmr]?|kommende[nmr]?|proxim[oa]|que viene|prossim[oa]|volgende"
    r"|aanstaande)"
)
THIS = r"(?:this|ce|cette|diese[nmr]?|este|esta|questo|questa|deze|dit)"
LAST = (
    r"(?:last|dernier|derniere|letzte[nmr]?|vergangene[nmr]?|pasad[oa]|scors[oa]|vorige|afgelopen|passad[oa])"
)
NEXT_WEEK = re.compile(rf"\b(?:{NEXT}\s+(?:week|semaine|woche|semana|settimana)"
                       rf"|(?:week|semaine|woche|semana|settimana)"
                       rf"\s+{NEXT}|(?:semana|settimana)\s+que\s+vem)\b")  # fmt: skip
THIS_WEEK = re.compile(rf"\b(?:{THIS}\s+(?:week|semaine|woche|semana|settimana)|cette semaine|diese woche)\b")
END_OF_NEXT_MONTH = re.compile(
    r"\b(?:end of next month|fin du mois prochain|ende nachsten monats|finales del mes que viene"
    r"|fine del prossimo mese|eind volgende maand|final do proximo mes)\b"
)
END_OF_MONTH = re.compile(
    r"\b(?:end of (?:the |this )?month|month(?:'s)? end|before the month is out|fin (?:du |de )?mois|"
    r"ende (?:des|dieses)"
    r" monats|monatsende|bis monatsende|(?:a |al )?fin(?:al)?(?:es)? de(?:l)? mes|antes de que acabe el mes"
    r"|fine (?:del )?mese|eind(?:e)? van de maand|einde (?:van )?de maand|(?:fim|final) do mes)\b"
)
WITHIN = (r"(?:in|within|dans|sous|d'ici|en|innerhalb(?: von)?|binnen|in den nachsten|dentro de"
          r"|en un plazo de"
          r"|entro|tra|fra|over|no prazo de|daqui a|em)")  # fmt: skip
IN_PERIOD = re.compile(
    rf"\b{WITHIN}\s+({_NUMBER_ALT})\s+(?:business |working |jours ouvres )?"
    r"(days?|jours?|tagen?|werktagen?|dias?|giorni|dagen|weeks?|semaines?|wochen?|semanas?|settimane|weken)\b"
)
HUITAINE = re.compile(r"\b(?:sous|dans la) huitaine\b")
LAST_WEEK = re.compile(rf"\b(?:{LAST}\s+(?:week|semaine|woche|semana|settimana)"
                       rf"|(?:semaine|semana|settimana)\s+{LAST}"
                       r"|vorige week|afgelopen week)\b")  # fmt: skip
AGO = re.compile(rf"\b(?:il y a|vor|hace|ha|há|daqui) (?:\w+ )?"
                 rf"({_NUMBER_ALT}|un par de|un paio di|een paar|umas?)\s+"
                 r"(?:\w+ )?(days?|jours?|tagen?|dias?|giorni|dagen|weeks?|semaines?|wochen?|semanas?|"
                 r"settimane|weken)"
                 rf"|\b({_NUMBER_ALT}|a couple of|a few|un paio di|een paar)\s+(days?|weeks?|giorni|"
                 rf"settimane|dagen|weken)"
                 r"\s+(?:ago|fa|geleden)\b")  # fmt: skip
A_WEEK = re.compile(r"\b(?:in a week(?:'s time)?|within a week|dans (?:une|1) semaine|in einer woche"
                    r"|en una semana|tra una settimana|binnen een week|over een week"
                    r"|dentro de uma semana)\b")  # fmt: skip
FORTNIGHT = re.compile(r"\b(?:in a fortnight|dans quinze jours|in vierzehn tagen)\b")  # two weeks
QUINZAINE = re.compile(r"\bsous quinzaine\b")  # fifteen days, by French business usage
DAY_OF_MONTH = re.compile(
    r"\b(?:le|on the|the|am|el|il|op de|op|dia|no dia|a|au|by the|before the|avant le|bis zum|bis|zum|del|"
    r"van de|vor dem|antes del|antes do|prima del|voor de"
    r"|de|a partir do|jusqu'au|till the|until the)\s+(\d{1,2})(?:er|st|nd|rd|th|e|\.|º|°|o)?"
    r"(?!\s*[./-]?\d)"
    r"(?!\s*(?:%|eur|€|jours|days|tage|dias|giorni|dagen|units|stuck|pezzi|unidades|uur|h\b))"
)
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
NUMERIC = re.compile(r"(?<![\d.,/-])(\d{1,2})[./-](\d{1,2})(?:[./-](\d{4}|\d{2}))?(?![\d,/-]|\.\d)")
MONTH_NAME = re.compile(
    rf"\b(\d{{1,2}})(?:er|st|nd|rd|th|\.|º|°|o)?\s+(?:de\s+|"
    rf"of\s+)?({_MONTH_ALT})\.?(?:\s+(?:de\s+)?(\d{{4}}))?\b"
    rf"|\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"
)
RANGE = re.compile(rf"\b(\d{{1,2}})\.?(?:er|st|th|º|°)?\s*(?:-|–|to|au|bis|al|a|fino al|tot|t/m|ate|ao)\s*"
                   rf"(\d{{1,2}})\.?"
                   rf"(?:er|st|th|º|°)?\s+(?:de\s+|of\s+)?({_MONTH_ALT})\b")  # fmt: skip
WEEKDAY = re.compile(rf"\b(?:({NEXT}|{THIS}|{LAST})\s+)?({_WEEKDAY_ALT})\b(?:\s+({NEXT}|{LAST}|que viene))?")
WEEK_THEN_DAY = re.compile(rf"\b(?:{NEXT}\s+(?:week|woche|semaine|semana|settimana)\s+({_WEEKDAY_ALT})"
                           rf"|({_WEEKDAY_ALT})\s+(?:of\s+)?next week|"
                           rf"({_WEEKDAY_ALT})\s+(?:de la semaine prochaine"
                           rf"|nachster woche|der nachsten woche|de la semana que viene|"
                           rf"della settimana prossima"
                           rf"|van volgende week|da proxima semana))\b")  # fmt: skip


@dataclass(frozen=True)
class FoundDate:
    day: date
    start: int
    exact: bool  # a calendar date written out, not a relative phrase


def _with_year(day: int, month: int, year: int | None, base: date, *, future: bool) -> date | None:
    try:
        if year is not None:
            return date(year + 2000 if year < 100 else year, month, day)
        candidate = date(base.year, month, day)
    except ValueError:
        return None
    if future and candidate < base - timedelta(days=60):  # "on 5 January" written in December; a date a few
        # weeks back stays in the past ("pagamos el 3 de noviembre" written on the 18th was a payment)
        return _safe(base.year + 1, month, day)
    if not future and candidate > base + timedelta(days=7):  # "paid on 28 December" written in January
        return _safe(base.year - 1, month, day)
    return candidate


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_of_month(day: int, base: date, *, future: bool) -> date | None:
    year, month = base.year, base.month
    for _ in range(2):
        if 1 <= day <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day)
            if (candidate >= base) == future or candidate == base:
                return candidate
        if future:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return None


def _weekday(match: re.Match[str], base: date, *, future: bool) -> date:
    before, name, after = match[1] or "", match[2], match[3] or ""
    weekday = WEEKDAY_OF[name]
    past = bool(re.match(LAST, before) or re.match(LAST, after)) or not future
    if past:
        return base - timedelta(days=(base.weekday() - weekday - 1) % 7 + 1)
    return base + timedelta(days=(weekday - base.weekday() - 1) % 7 + 1)


def find_dates(text: str, base: date, *, future: bool = True, month_first: bool = False) -> list[FoundDate]:
    """Every date the text names, in reading order. `future`: a date without a year, a weekday or a day
    of the month is the next one (a promise) or the last one (a payment made)."""
    folded = fold(text)
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(day: date | None, match: re.Match[str], *, exact: bool) -> None:
        if day is not None and not any(s < match.end() and match.start() < e for s, e in taken):
            found.append(FoundDate(day, match.start(), exact))
            taken.append((match.start(), match.end()))

    for match in ISO.finditer(folded):
        add(_safe(int(match[1]), int(match[2]), int(match[3])), match, exact=True)
    for match in RANGE.finditer(folded):  # "du 16 au 24 novembre": the month is said once for both days
        month = MONTHS_FOLDED[match[3]]
        add(_with_year(int(match[1]), month, None, base, future=future), match, exact=True)
        found.append(
            FoundDate(
                _with_year(int(match[2]), month, None, base, future=future) or base, match.start(2), True
            )
        )
    for match in MONTH_NAME.finditer(folded):
        if match[2]:
            day, month, year = int(match[1]), MONTHS_FOLDED[match[2]], match[3]
        else:
            day, month, year = int(match[5]), MONTHS_FOLDED[match[4]], match[6]
        add(_with_year(day, month, int(year) if year else None, base, future=future), match, exact=True)
    for match in NUMERIC.finditer(folded):
        first, second = int(match[1]), int(match[2])
        day, month = (second, first) if month_first else (first, second)
        if month > 12 >= day:
            day, month = month, day
        if month <= 12 and not re.match(r"\s*(?:h|uhr|am|pm)\b", folded[match.end() :]):
            add(
                _with_year(day, month, int(match[3]) if match[3] else None, base, future=future),
                match,
                exact=True,
            )
    for match in WEEK_THEN_DAY.finditer(folded):
        name = match[1] or match[2] or match[3]
        monday_next = base + timedelta(days=7 - base.weekday())
        add(monday_next + timedelta(days=WEEKDAY_OF[name]), match, exact=False)
    for pattern, days in ((AFTER_TOMORROW, 2), (TOMORROW, 1), (TODAY, 0), (YESTERDAY, -1), (FORTNIGHT, 14),
        (QUINZAINE, 15),
                          (HUITAINE, 8), (A_WEEK, 7), (LAST_WEEK, -7)):  # fmt: skip
        for match in pattern.finditer(folded):
            add(base + timedelta(days=days), match, exact=False)
    for match in AGO.finditer(folded):
        number, unit = (match[1], match[2]) if match[2] else (match[3], match[4])
        count = int(number) if number.isdigit() else NUMBERS.get(number, 2)
        weeks = unit.startswith(("week", "semai", "woche", "seman", "settim", "weken"))
        add(base - timedelta(days=count * (7 if weeks else 1)), match, exact=False)
    for match in IN_PERIOD.finditer(folded):
        count = int(match[1]) if match[1].isdigit() else NUMBERS[match[1]]
        weeks = match[2].startswith(("week", "semai", "woche", "seman", "settim", "weken"))
        if match[1] in ("quinze", "huit") and match[2].startswith("jour"):  # French for two weeks, one week
            count = 14 if match[1] == "quinze" else 7
        add(base + timedelta(days=count * (7 if weeks else 1)), match, exact=False)
    for match in END_OF_NEXT_MONTH.finditer(folded):
        year, month = (base.year + 1, 1) if base.month == 12 else (base.year, base.month + 1)
        add(date(year, month, calendar.monthrange(year, month)[1]), match, exact=False)
    for match in END_OF_MONTH.finditer(folded):
        add(date(base.year, base.month, calendar.monthrange(base.year, base.month)[1]), match, exact=False)
    for match in NEXT_WEEK.finditer(folded):
        to_friday = (4 - base.weekday()) % 7 + 7 if base.weekday() <= 4 else 11 - base.weekday()
        add(base + timedelta(days=to_friday), match, exact=False)
    for match in THIS_WEEK.finditer(folded):
        add(base + timedelta(days=max(0, 4 - base.weekday())), match, exact=False)
    for match in WEEKDAY.finditer(folded):
        if len(match[2]) > 3 or match[1]:  # "mon" alone is too often another word
            add(_weekday(match, base, future=future), match, exact=False)
    for match in DAY_OF_MONTH.finditer(folded):
        add(_day_of_month(int(match[1]), base, future=future), match, exact=False)
    if not found:
        found = _dateparser_dates(text, base, future=future)
    return sorted(found, key=lambda f: f.start)


def _dateparser_dates(text: str, base: date, *, future: bool) -> list[FoundDate]:
    """What the rules missed, read by dateparser; one-word guesses without a digit are not taken."""
    try:
        from dateparser.search import search_dates
    except ImportError:  # pragma: no cover - a declared dependency; the rules still work without it
        return []
    settings = {
        "RELATIVE_BASE": datetime(base.year, base.month, base.day, 12, 0),
        "PREFER_DATES_FROM": "future" if future else "past",
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": [],
    }
    try:
        results = search_dates(text, languages=["en", "fr", "de", "es", "it", "nl", "pt"], settings=settings)
    except Exception:  # dateparser on odd input must not stop the reading
        return []
    found = []
    for words, when in results or []:
        if not re.search(r"\d", words) or re.fullmatch(r"\W*\d+\W*", words):
            continue  # its guesses from a word alone ("We", "die", "um") are not dates
        found.append(FoundDate(when.date(), max(0, text.find(words)), any(c.isdigit() for c in words)))
    return found


def promised_date(sentence: str, reply: str, written_on: date, *, month_first: bool = False,
                  horizon_days: int = 120) -> date | None:  # fmt: skip
    """The date a promise names: in its sentence, else anywhere in the reply; on or after the day
    it was written and within the horizon. Of several, the latest in the sentence ("we pay in 10 days,
    on the 28th at the latest")."""
    for text in (sentence, reply):
        plausible = [
            f.day
            for f in find_dates(text, written_on, month_first=month_first)
            if written_on <= f.day <= written_on + timedelta(days=horizon_days)
        ]
        if plausible:
            return max(plausible)
    return None


def paid_date(sentence: str, written_on: date, *, month_first: bool = False) -> date | None:
    """The day a payment was made, as a reply says it: the last named date on or before the writing."""
    plausible = [
        f.day
        for f in find_dates(sentence, written_on, future=False, month_first=month_first)
        if written_on - timedelta(days=400) <= f.day <= written_on
    ]
    return plausible[-1] if plausible else None
