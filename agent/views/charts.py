"""Charts of the book for a person who would rather look than read: SVG strings drawn on the server.

    aging_chart(aging, locale=...)    one horizontal bar per customer, split by age; disputed, paused apart
    cash_chart(forecast, locale=...)  cash expected per week: due dates and promises, late money first

No JavaScript, no chart library, nothing fetched: each chart is a `<svg role="img">` with a title and a
description that says in words what the bars show (a screen reader reads those), a text label on every
bar, a legend, and a tooltip (`<title>`) on every piece. Colours are never the only carrier of meaning:
every piece has its words. Given `href` (invoice ids -> URL), each piece links to its invoices; given
`link` (a figure -> URL), each piece links where the caller says (the workspace's figures summed by the
database carry the invoice list's filter, not ids). `words` puts every phrase in the reader's language
(the workspace passes its catalog's; the English of PHRASES otherwise).
Hand-written rather than pygal: pygal draws well, but adds inline styles and a script from its own site by
default, has no `<desc>`, and its labels are not Babel's; this is about 200 lines we fully control
(docs/book.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from xml.sax.saxutils import escape, quoteattr

from babel.dates import format_date
from babel.numbers import format_compact_currency, format_currency

from agent.views.book_aging import BUCKETS, Aging, AgingRow, Figure
from agent.views.book_weeks import CashExpected

Href = Callable[[list[int]], str]
Link = Callable[[Figure], str | None]

# From settled to alarming, told apart by lightness too (safe for the common colour blindnesses).
COLOURS = {
    "not_yet_due": "#1b7837",
    "1-30": "#a6dba0",
    "31-60": "#fdb863",
    "61-90": "#e66101",
    "90+": "#b2182b",
    "disputed": "#5e3c99",
    "paused": "#8c8c8c",
    "due": "#2166ac",
    "promised": "#67a9cf",
    "overdue": "#b2182b",
}
LABELS = {
    "not_yet_due": "not yet due",
    "1-30": "1-30 days late",
    "31-60": "31-60 days late",
    "61-90": "61-90 days late",
    "90+": "over 90 days late",
    "disputed": "disputed",
    "paused": "paused",
    "due": "by due date",
    "promised": "promised",
    "overdue": "late, no date",
}
FONT = 'font-family="sans-serif" font-size="12"'
# Every sentence the charts say, with its fields; a caller may give them in another language.
PHRASES = {
    "tip": "{name}: {label}, {amount} ({count} invoices)",
    "others": "{count} other customers",
    "total": "total",
    "aging_title": "Receivables in {currency} by age, {day} ({zone})",
    "aging_desc": "Total owed {amount} by {count} customers on {day} ({zone}): {parts}.",
    "nothing": "nothing",
    "late": "late",
    "later": "later",
    "week_of": "week of {day}: {amount}",
    "cash_title": "Cash expected in {currency} per week, from {day} ({zone})",
    "cash_desc": "Late with no date to expect it on: {late}. {weeks}. Later: {later}. Disputed, not "
    "expected: {disputed}. Weeks start on Monday ({zone}); a promise's date replaces the due date.",
    "no_weeks": "Nothing expected in the weeks shown",
}


def _money(amount: Decimal, currency: str, *, locale: str) -> str:
    return format_currency(amount, currency, locale=locale)


def _short(amount: Decimal, currency: str, *, locale: str) -> str:
    return format_compact_currency(amount, currency, locale=locale, fraction_digits=1)


@dataclass(frozen=True)
class Words:
    """The labels and phrases of a chart, and where its pieces link to."""

    labels: Mapping[str, str]
    phrases: Mapping[str, str]
    href: Href | None = None
    link: Link | None = None

    def say(self, key: str, **fields: object) -> str:
        return self.phrases[key].format(**fields)

    def url(self, piece: Figure) -> str | None:
        if self.link is not None:
            return self.link(piece)
        return self.href(piece.invoice_ids) if self.href and piece.invoice_ids else None


def _words(href: Href | None, link: Link | None, words: Mapping[str, str] | None) -> Words:
    given = dict(words or {})
    return Words({**LABELS, **given}, {**PHRASES, **given}, href, link)


def _piece(x: float, y: float, w: float, h: float, colour: str, tip: str, url: str | None) -> str:
    box = f'x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"'
    rect = f'<rect {box} fill="{colour}"><title>{escape(tip)}</title></rect>'
    return f"<a href={quoteattr(url)}>{rect}</a>" if url else rect


def _svg(ident: str, width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _legend(keys: list[str], y: int, labels: Mapping[str, str], width: int) -> tuple[list[str], int]:
    """The legend, on as many lines as the chart's width needs; returns it and the height it takes."""
    parts, x, top = [], 10, y
    for key in keys:
        wide = 22 + 7 * len(labels[key])
        if x > 10 and x + wide > width:
            x, y = 10, y + 18
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{COLOURS[key]}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}" {FONT}>{escape(labels[key])}</text>')
        x += wide
    return parts, y - top


def _pieces_of(row: AgingRow) -> list[tuple[str, Figure]]:
    return [
        *((name, row.buckets[name]) for name in BUCKETS),
        ("disputed", row.disputed),
        ("paused", row.paused),
    ]


def _others(rows: list[AgingRow], name: str) -> AgingRow:
    merged = AgingRow(None, name)
    for row in rows:
        for name, piece in _pieces_of(row):
            target = merged.buckets.get(name) or getattr(merged, name)
            target.amount += piece.amount
            target.invoice_ids += piece.invoice_ids
        merged.total.amount += row.total.amount
        merged.total.invoice_ids += row.total.invoice_ids
    return merged


def aging_chart(
    aging: Aging, *, locale: str, href: Href | None = None, top: int = 8, link: Link | None = None,
    words: Mapping[str, str] | None = None,
) -> str:  # fmt: skip
    """Receivables of one currency: a bar per customer (the `top` largest, then the others together)
    and the total, each split by age, with disputed and paused amounts apart at the end of the bar.
    The others' bar links nowhere: its pieces are several customers'."""
    say = _words(href, link, words)
    currency = aging.currency
    money = partial(_money, currency=currency, locale=locale)
    owing = [row for row in aging.rows if row.total.amount > 0]
    rest = owing[top:]
    others = _others(rest, say.say("others", count=len(rest))) if rest else None
    shown = owing[:top] + ([others] if others else [])
    rows = [*shown, aging.totals]
    label_w, bar_w, row_h = 190, 420, 26
    width = label_w + bar_w + 110
    scale = max((row.total.amount for row in rows), default=Decimal(0)) or Decimal(1)
    body, legend_h = _legend([*BUCKETS, "disputed", "paused"], 8, say.labels, width)
    top_y = 40 + legend_h
    height = top_y + row_h * len(rows) + 10
    for index, row in enumerate(rows):
        y = top_y + index * row_h
        account = say.say("total") if row is aging.totals else row.account
        name = account if len(account) <= 26 else account[:25] + "…"
        weight = ' font-weight="bold"' if row is aging.totals else ""
        body.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" {FONT}{weight}>{escape(name)}</text>'
        )
        x = float(label_w)
        for key, piece in _pieces_of(row):
            if piece.amount <= 0:
                continue
            w = float(piece.amount / scale) * bar_w
            tip = say.say(
                "tip", name=account, label=say.labels[key], amount=money(piece.amount), count=piece.count
            )
            url = None if row is others else say.url(piece)
            body.append(_piece(x, y + 2, max(w, 1.0), row_h - 8, COLOURS[key], tip, url))
            x += w
        total = _short(row.total.amount, currency, locale=locale)
        body.append(f'<text x="{x + 6:.1f}" y="{y + 15}" {FONT}{weight}>{escape(total)}</text>')
    totals = aging.totals
    said = "; ".join(
        f"{say.labels[key]} {money(piece.amount)}" for key, piece in _pieces_of(totals) if piece.amount
    )
    day, zone = aging.as_of.isoformat(), aging.timezone
    desc = say.say(
        "aging_desc", amount=money(totals.total.amount), count=len(owing), day=day, zone=zone,
        parts=said or say.say("nothing"),
    )  # fmt: skip
    title = say.say("aging_title", currency=currency, day=day, zone=zone)
    return _svg(f"aging-{currency}", width, height, title, desc, body)


def cash_chart(
    forecast: CashExpected, *, locale: str, href: Href | None = None, link: Link | None = None,
    words: Mapping[str, str] | None = None,
) -> str:  # fmt: skip
    """Cash expected in one currency: what is late with no date first, then a column per week (due
    dates and promises stacked), then what comes later. Disputed money is said, not drawn."""
    say = _words(href, link, words)
    currency = forecast.currency
    money = partial(_money, currency=currency, locale=locale)
    columns: list[tuple[str, list[tuple[str, Figure]]]] = [(say.say("late"), [("overdue", forecast.overdue)])]
    for week in forecast.weeks:
        columns.append(
            (
                format_date(week.week_start, "d MMM", locale=locale),
                [("due", week.due), ("promised", week.promised)],
            )
        )
    columns.append((say.say("later"), [("due", forecast.later)]))
    left, col_w, chart_h = 10, 64, 180
    width = left * 2 + col_w * len(columns)
    sums = [sum((f.amount for _, f in parts), Decimal(0)) for _, parts in columns]
    scale = max(sums, default=Decimal(0)) or Decimal(1)
    body, legend_h = _legend(["overdue", "due", "promised"], 8, say.labels, width)
    top_y = 56 + legend_h
    height = top_y + chart_h + 40
    base = top_y + chart_h
    for index, ((label, parts), amount) in enumerate(zip(columns, sums, strict=True)):
        x, y = left + index * col_w + 8, float(base)
        for key, piece in parts:
            if piece.amount <= 0:
                continue
            h = float(piece.amount / scale) * chart_h
            tip = say.say(
                "tip", name=label, label=say.labels[key], amount=money(piece.amount), count=piece.count
            )
            body.append(_piece(x, y - h, col_w - 16, max(h, 1.0), COLOURS[key], tip, say.url(piece)))
            y -= h
        middle = x + (col_w - 16) / 2
        if amount:
            text = escape(_short(amount, currency, locale=locale))
            body.append(f'<text x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle" {FONT}>{text}</text>')
        body.append(
            f'<text x="{middle:.1f}" y="{base + 16}" text-anchor="middle" {FONT}>{escape(label)}</text>'
        )
    body.append(f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="#333"/>')
    weeks = "; ".join(
        say.say("week_of", day=w.week_start.isoformat(), amount=money(w.total))
        for w in forecast.weeks
        if w.total
    )
    zone = forecast.timezone
    desc = say.say(
        "cash_desc", late=money(forecast.overdue.amount), weeks=weeks or say.say("no_weeks"),
        later=money(forecast.later.amount), disputed=money(forecast.disputed.amount), zone=zone,
    )  # fmt: skip
    title = say.say("cash_title", currency=currency, day=forecast.as_of.isoformat(), zone=zone)
    return _svg(f"cash-{currency}", width, height, title, desc, body)
