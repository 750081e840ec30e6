"""Automatic answers: what kind of machine wrote this message, if one did.

An out-of-office, a helpdesk's ticket acknowledgement, a read receipt or a "this address is no longer
in use" notice is not a person's word: none of them may be read as an answer to a task, a promise or a
dispute. They are recognised by their headers (RFC 3834 `Auto-Submitted`, the `X-Autoreply` family,
`Precedence`, Microsoft's `X-MS-Exchange-Inbox-Rules-Loop`...), by the MIME type of a read receipt
(RFC 8098 `multipart/report; report-type=disposition-notification`), and, because many systems set no
header at all, by their wording in the seven languages: the subject prefixes the big mail clients put
("Automatic reply:", "Réponse automatique :", "Abwesenheitsnotiz"...) and the sentences they carry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

OUT_OF_OFFICE = "out_of_office"
TICKET = "ticket"
READ_RECEIPT = "read_receipt"
MOVED = "moved"  # "this address is no longer in use": a task for a new contact
AUTOMATIC = "automatic"  # said to be automatic by its headers, nothing more we can tell


def fold(text: str) -> str:
    """Lower case without accents: 'Réponse automatique' -> 'reponse automatique'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(alternatives) + r")(?![a-z])")


# The subject prefixes and words of out-of-office notices (Outlook, Gmail, Exchange, Zimbra, Apple).
OOO_SUBJECT = _words(
    r"out of (?:the )?office", r"automatic reply", r"auto(?:matic)?[- ]?reply", r"auto", r"away",
    r"absen(?:ce|t|te|t\(e\))", r"reponse automatique", r"absence du bureau", r"absent\(e\)",
    r"automatische antwort", r"abwesenheit(?:snotiz)?", r"abwesend", r"nicht im buro",
    r"respuesta automatica", r"fuera de la oficina", r"ausencia", r"ausente",
    r"risposta automatica", r"fuori (?:ufficio|sede)", r"assente",
    r"automatisch antwoord", r"afwezig(?:heid(?:sbericht)?)?", r"niet aanwezig",
    r"resposta automatica", r"fora do escritorio", r"ausencia",
)  # fmt: skip
# Sentences of an out-of-office: being away, on leave, back on a day.
OOO_BODY = _words(
    r"(?:this is an?|ceci est une?|dies ist eine?|esta es una?|questa e una?|dit is een|esta e uma?)"
    r" (?:automatic|automated|reponse automatique|message automatique|automatische|respuesta automatica"
    r"|risposta automatica|automatisch|resposta automatica)",
    r"out of (?:the )?office", r"away (?:from|on|until)", r"on (?:annual |parental |sick |maternity )?leave",
    r"on holiday", r"on vacation", r"off work", r"out sick",
    r"i(?:'m| am) (?:currently )?(?:away|travelling|out)",
    r"will be back", r"back in the office", r"return(?:ing)? on", r"limited access to (?:my )?e-?mail",
    r"no (?:e-?mail )?access", r"when i(?:'m| am) back", r"upon my return", r"on my return",
    r"absente?s?", r"en conges?", r"en conge", r"en deplacement", r"de retour", r"des mon retour",
    r"a mon retour", r"reprendrai",
    r"nicht im buro", r"abwesend", r"im urlaub", r"ausser haus", r"wieder (?:im buro|im haus|erreichbar)",
    r"nicht erreichbar", r"elternzeit", r"keinen zugriff",
    r"fuera de la oficina", r"de vacaciones", r"ausente", r"volvere", r"estare fuera",
    r"sin acceso al correo",
    r"fuori (?:ufficio|sede)", r"in ferie", r"sono assente", r"saro assente", r"rientrero", r"tornero",
    r"afwezig", r"met vakantie", r"niet (?:op kantoor|aanwezig)", r"weer (?:terug|bereikbaar)",
    r"fora do escritorio", r"de ferias", r"ausente", r"estarei ausente", r"regresso", r"de volta",
)  # fmt: skip
TICKET_WORDS = _words(
    r"ticket", r"case (?:number|#|\d)", r"request (?:has been )?received",
    r"we have received your (?:e-?mail|message|request)",
    r"your request has been", r"do not reply to this (?:automated )?message", r"automated message",
    r"support team",
    r"accuse de reception", r"nous (?:avons bien recu|accusons reception)", r"votre demande",
    r"ihre anfrage", r"eingangsbestatigung", r"wir haben ihre (?:e-?mail|nachricht|anfrage) erhalten",
    r"ist bei uns eingegangen", r"hemos recibido su", r"numero de (?:incidencia|ticket|caso)",
    r"conferma di ricezione", r"abbiamo ricevuto la sua", r"presa in carico", r"prenderemo in carico",
    r"ontvangstbevestiging", r"wij hebben uw (?:bericht|e-?mail|vraag) ontvangen",
    r"recebemos o seu", r"o seu pedido foi registado", r"pedido (?:n\.?|numero)",
)  # fmt: skip
READ_SUBJECT = re.compile(r"^(?:read|lu|gelesen|leido|letto|gelezen|lida|lido)\s*:", re.IGNORECASE)
READ_BODY = _words(
    r"(?:was|has been) (?:read|displayed)",
    r"a (?:bien )?ete lu",
    r"wurde .{0,40}gelesen",
    r"ha sido leido",
    r"e stato letto",
    r"is gelezen",
    r"foi lida",
    r"receipt for the mail you sent",
)
MOVED_WORDS = _words(
    r"no longer (?:in use|monitored|active|valid|read)", r"has (?:been )?(?:retired|closed|deactivated)",
    r"has left the company", r"is no longer with", r"n'est plus (?:utilisee?|active?|lue?|valide)",
    r"a quitte (?:la societe|l'entreprise)", r"nicht mehr (?:verwendet|aktiv|genutzt|gelesen|besetzt)",
    r"ya no (?:esta|se usa|se utiliza|se lee)", r"dada de baja",
    r"non (?:e )?piu (?:attivo|in uso|utilizzato)",
    r"niet meer in gebruik", r"niet langer (?:in gebruik|actief)",
    r"(?:ja|já) nao (?:esta|e) (?:em uso|utilizado)",
    r"nao esta em uso", r"desativad[oa]",
)  # fmt: skip
AUTO_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-auto-reply",
    "x-ms-exchange-inbox-rules-loop",
)


def headers_say_automatic(headers: Mapping[str, str]) -> bool:
    """RFC 3834 and the headers autoresponders set instead (keys lower case)."""
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return True
    if any(headers.get(name) for name in AUTO_HEADERS):
        return True
    if headers.get("x-auto-response-suppress", "").strip().lower() in ("all", "oof", "autoreply"):
        # Exchange sets this on its own automatic replies; people's mail rarely carries "All".
        return "autoreply" in headers.get("x-auto-response-suppress", "").lower() or bool(
            re.search(r"\b(?:auto|oof)\b", headers.get("x-ms-exchange-generated-message-source", "").lower())
        )
    return headers.get("precedence", "").strip().lower() in ("auto_reply", "auto-reply")


def automatic_kind(
    headers: Mapping[str, str], subject: str, body: str, *, content_type: str = ""
) -> str | None:
    """out_of_office | ticket | read_receipt | moved | automatic, or None for a person's message.

    The wording decides the kind; the headers alone only say "automatic". A person's reply that
    mentions a holiday ("I was on holiday, sorry: we will pay on Friday") is not an out-of-office: the
    wording must come with an automatic header, an automatic subject, or open the message."""
    lowered = {k.lower(): v for k, v in headers.items()}
    kind = content_type or lowered.get("content-type", "")
    subject_f, head = fold(subject), fold(body[:700])
    if "disposition-notification" in kind.lower():
        return READ_RECEIPT
    if READ_SUBJECT.match(subject_f) and (READ_BODY.search(head) or len(head) < 300):
        return READ_RECEIPT
    flagged = headers_say_automatic(lowered)
    subject_auto = bool(OOO_SUBJECT.search(subject_f)) and not subject_f.startswith(("re:", "aw:", "fw"))
    if MOVED_WORDS.search(head) and (flagged or subject_auto or _opens_with(MOVED_WORDS, head)):
        return MOVED
    if TICKET_WORDS.search(head) and (
        flagged or TICKET_WORDS.search(subject_f) or _opens_with(TICKET_WORDS, head)
    ):
        return TICKET
    if OOO_BODY.search(head) and (flagged or subject_auto or _opens_with(OOO_BODY, head)):
        return OUT_OF_OFFICE
    if flagged:
        return OUT_OF_OFFICE if OOO_BODY.search(head) or subject_auto else AUTOMATIC
    return None


def _opens_with(pattern: re.Pattern[str], text: str) -> bool:
    """The pattern is in the first two sentences: what the message is about, not an aside."""
    opening = " ".join(re.split(r"(?<=[.!?])\s+|\n\s*\n", text.strip())[:2])
    return bool(pattern.search(opening))
