"""The inbound reading corpus (benchmarks/inbound/): loaded, and built into the e-mails people send.

Customer replies, finance's contact answers and automatic replies are written as one line each (see
the files' headers); this module wraps each into what arrives: the reply above our reminder (Outlook's
header block, Gmail's or Apple's "On ... wrote:" with quoted lines), below it (bottom-posted), or
alone, with a signature or not, in the language of the reply. Which wrapping a message gets depends
on its place in the file only, so every run builds the same corpus. Bounces are raw messages.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).parent / "inbound"
LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pt")
COLLECTIONS = "Acme Collections <collections@acme.test>"

# Our reminder, as quoted below a reply: it says "already paid" and names dates and an amount on
# purpose, so a reader that does not cut it reads our words as the customer's.
REMINDER = {
    "en": "Dear customer,\ninvoice F-2026-118 of 1,250.00 EUR was due on 31/10/2026. If you have"
    " already paid, "
    "please ignore this message. Otherwise please pay by 25/11/2026.\nKind regards\nAcme Collections",
    "fr": "Madame, Monsieur,\nla facture F-2026-118 de 1 250,00 EUR était due le 31/10/2026. Si vous"
    " avez déjà "
    "payé, ignorez ce message. Sinon, merci de régler avant le 25/11/2026.\nCordialement\nAcme",
    "de": "Sehr geehrte Damen und Herren,\ndie Rechnung F-2026-118 über 1.250,00 EUR war am"
    " 31.10.2026 fällig. "
    "Falls Sie bereits bezahlt haben, betrachten Sie diese Nachricht als gegenstandslos. Bitte zahlen Sie "
    "bis zum 25.11.2026.\nMit freundlichen Grüßen\nAcme",
    "es": "Estimado cliente:\nla factura F-2026-118 de 1.250,00 EUR venció el 31/10/2026. Si ya ha pagado, "
    "ignore este mensaje. En caso contrario, pague antes del 25/11/2026.\nAtentamente\nAcme",
    "it": "Gentile cliente,\nla fattura F-2026-118 di 1.250,00 EUR era in scadenza il 31/10/2026. Se ha già "
    "pagato, ignori questo messaggio. Altrimenti la preghiamo di pagare entro il 25/11/2026.\nCordiali "
    "saluti\nAcme",
    "nl": "Geachte klant,\nfactuur F-2026-118 van EUR 1.250,00 verviel op 31-10-2026. Als u al"
    " betaald heeft, "
    "kunt u dit bericht negeren. Anders graag betalen voor 25-11-2026.\nMet vriendelijke groet\nAcme",
    "pt": "Caro cliente,\na fatura F-2026-118 de 1.250,00 EUR venceu em 31/10/2026. Se já pagou, ignore esta "
    "mensagem. Caso contrário, pague até 25/11/2026.\nCom os melhores cumprimentos\nAcme",
}
MARKER = "F-2026-118"  # in every reminder: a reply whose own part still holds it was not cut
# How mail clients introduce the quoted message, per language: (Gmail/Apple/Thunderbird line, Outlook
# block, Outlook's separator line).
ATTRIBUTION = {
    "en": (
        "On Wed, 18 Nov 2026 at 09:12, {who} wrote:",
        "From: {who}\nSent: Wednesday, November 18, 2026 9:12 AM\nTo: ap@customer.test\nSubject: Reminder",
        "-----Original Message-----",
    ),
    "fr": (
        "Le mer. 18 nov. 2026 à 09:12, {who} a écrit :",
        "De : {who}\nEnvoyé : mercredi 18 novembre 2026 09:12\nÀ : ap@customer.test\nObjet : Relance",
        "-----Message d'origine-----",
    ),
    "de": (
        "Am Mi., 18. Nov. 2026 um 09:12 Uhr schrieb {who}:",
        "Von: {who}\nGesendet: Mittwoch, 18. November 2026 09:12\nAn: ap@customer.test\nBetreff: Mahnung",
        "-----Ursprüngliche Nachricht-----",
    ),
    "es": (
        "El mié, 18 nov 2026 a las 9:12, {who} escribió:",
        "De: {who}\nEnviado el: miércoles, 18 de noviembre de 2026 9:12\nPara: ap@customer.test\n"
        "Asunto: Recordatorio",
        "-----Mensaje original-----",
    ),
    "it": (
        "Il giorno mer 18 nov 2026 alle ore 09:12 {who} ha scritto:",
        "Da: {who}\nInviato: mercoledì 18 novembre 2026 09:12\nA: ap@customer.test\nOggetto: Sollecito",
        "-----Messaggio originale-----",
    ),
    "nl": (
        "Op wo 18 nov. 2026 om 09:12 schreef {who}:",
        "Van: {who}\nVerzonden: woensdag 18 november 2026 09:12\nAan: ap@customer.test\n"
        "Onderwerp: Herinnering",
        "-----Oorspronkelijk bericht-----",
    ),
    "pt": (
        "Em qua., 18 de nov. de 2026 às 09:12, {who} escreveu:",
        "De: {who}\nEnviado: quarta-feira, 18 de novembro de 2026 09:12\nPara: ap@customer.test\n"
        "Assunto: Lembrete",
        "-----Mensagem original-----",
    ),
}
SIGNATURES = ("--\nT. Baker\nCustomer Ltd | +44 20 7946 0000", "-- \nAccounts payable\nCustomer GmbH", "")
WRAPPINGS = ("alone", "gmail_top", "outlook_top", "bottom", "separator_top", "apple_top")


@dataclass(frozen=True)
class Labelled:
    """One corpus line: its labels and its words."""

    language: str
    labels: dict[str, str]
    text: str
    written_on: date
    held_out: bool
    index: int
    extra: tuple[str, ...] = field(default=())  # the other fields of the line (subject...)

    @property
    def intents(self) -> frozenset[str]:
        return frozenset(self.labels["kind"].split("+"))


def _written_on(path: Path) -> date:
    head = "\n".join(path.read_text(encoding="utf-8").split("\n", 2)[:2])
    found = re.search(r"\d{4}-\d{2}-\d{2}", head)
    return date.fromisoformat(found.group(0)) if found else date(2026, 11, 18)


def read_lines(path: Path, *, language: str, held_out: bool) -> list[Labelled]:
    written_on = _written_on(path)
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head, *rest = [part.strip() for part in line.split(" | ")]
        parts = head.split(";")
        kind = "" if "=" in parts[0] else parts.pop(0)
        labels = {"kind": kind} | dict(pair.split("=", 1) for pair in parts)
        text = rest[-1].replace("\\n", "\n")
        found.append(Labelled(language, labels, text, written_on, held_out, len(found), tuple(rest[:-1])))
    return found


def customer_replies(*, held_out: bool) -> list[Labelled]:
    """Development: replies/<lang>.txt, replies/seen_<lang>.txt (a first held-out set, read since) and
    replies/paraphrase_<lang>.txt (other wordings, written after the first held-out set was read);
    held out: held_out/<lang>.txt."""
    if held_out:
        paths = [(ROOT / "held_out" / f"{lang}.txt", lang) for lang in LANGUAGES]
    else:
        prefixes = ("", "seen_", "paraphrase_")
        paths = [
            (ROOT / "replies" / f"{prefix}{lang}.txt", lang) for prefix in prefixes for lang in LANGUAGES
        ]
    return [
        r for path, lang in paths if path.exists() for r in read_lines(path, language=lang, held_out=held_out)
    ]


def contact_answers(*, held_out: bool) -> list[Labelled]:
    path = ROOT / "contacts" / ("held_out.txt" if held_out else "dev.txt")
    return read_lines(path, language="", held_out=held_out)


def auto_replies(*, held_out: bool) -> list[Labelled]:
    path = ROOT / "autoreplies" / ("held_out.txt" if held_out else "dev.txt")
    return read_lines(path, language="", held_out=held_out)


def wrapping(item: Labelled) -> str:
    return WRAPPINGS[(item.index + len(item.language)) % len(WRAPPINGS)]


def reply_body(item: Labelled) -> str:
    """The reply as its author's mail client sends it: with our reminder quoted (or not)."""
    language = item.language or "en"
    gmail, outlook, separator = ATTRIBUTION[language]
    reminder = REMINDER[language]
    quoted = "\n".join("> " + line for line in reminder.splitlines())
    signature = SIGNATURES[item.index % len(SIGNATURES)]
    own = item.text + (f"\n\n{signature}" if signature else "")
    style = wrapping(item)
    if style == "gmail_top":
        return f"{own}\n\n{gmail.format(who=COLLECTIONS)}\n\n{quoted}\n"
    if style == "outlook_top":
        return f"{own}\n\n________________________________\n{outlook.format(who=COLLECTIONS)}\n\n{reminder}\n"
    if style == "separator_top":
        return f"{own}\n\n{separator}\n{outlook.format(who=COLLECTIONS)}\n\n{reminder}\n"
    if style == "apple_top":
        apple = gmail.format(who="Acme Collections").replace("at 09:12", "at 09:12 AM")
        return f"{own}\n\n{apple}\n\n{quoted}\n"
    if style == "bottom":
        return f"{gmail.format(who=COLLECTIONS)}\n{quoted}\n\n{own}\n"
    return own


def reply_message(item: Labelled, *, subject: str = "Re: Reminder F-2026-118") -> bytes:
    message = EmailMessage()
    message["From"] = "Customer <ap@customer.test>"
    message["To"] = COLLECTIONS
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(*item.written_on.timetuple()[:3], 10, 30) + timedelta())
    message["Message-ID"] = f"<reply-{item.language}-{item.index}@customer.test>"
    message.set_content(reply_body(item))
    return bytes(message)


def auto_reply_message(item: Labelled) -> EmailMessage:
    """An automatic reply as it arrives: one in three with RFC 3834 headers, one in three with
    Microsoft's, the others with none (the wording alone must tell)."""
    subject = item.extra[0] if item.extra else ""
    message = EmailMessage()
    message["From"] = "Someone <someone@customer.test>"
    message["To"] = COLLECTIONS
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(*item.written_on.timetuple()[:3], 10, 30))
    message["In-Reply-To"] = "<reminder-1@acme.test>"
    if item.index % 3 == 0:
        message["Auto-Submitted"] = "auto-replied"
    elif item.index % 3 == 1:
        message["X-Auto-Response-Suppress"] = "All"
        message["X-MS-Exchange-Generated-Message-Source"] = "Mailbox Rules Agent" if item.index % 2 else "OOF"
    if item.labels["kind"] == "read_receipt" and item.index % 2 == 0:
        message.set_content(item.text)
        report = EmailMessage()
        report.set_content(
            "Reporting-UA: mail.customer.test\nFinal-Recipient: rfc822; ap@customer.test\n"
            "Disposition: manual-action/MDN-sent-manually; displayed\n"
        )
        message.make_mixed()
        message.attach(report)
        message.replace_header(
            "Content-Type", message["Content-Type"].replace("multipart/mixed", "multipart/report")
        )
        message.set_param("report-type", "disposition-notification")
        return message
    message.set_content(item.text)
    return message


def bounce_labels() -> list[tuple[Path, str, frozenset[str], bool]]:
    """(file, kind, failed recipients, held out): flufl.bounce's samples and ours."""
    found = []
    for folder in ("flufl", "written"):
        labels = ROOT / "bounces" / folder / "labels.txt"
        for line in labels.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name, kind, addresses = [part.strip() for part in line.split("|")]
            held_out = hashlib.sha256(name.encode()).hexdigest()[0] in "0123"  # a quarter, fixed by name
            found.append((labels.parent / name, kind, frozenset(addresses.split()), held_out))
    return found
