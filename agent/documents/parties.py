"""Who is who on a printed invoice: the customer's block (name, address, country, e-mail, VAT id) and the
supplier's VAT id, read from pypdf's layout text without a template.

A block is found under its label ("Bill to", "Client", "Kunde"...) and read in the label's column, since
the supplier's own block usually runs on beside it. A label counts only where it opens a cell: "Client"
in "N° TVA client" or "Kunde" in "Bestellung Nr. Kunde:" is part of another label, not a block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from agent.documents import labels
from agent.documents.prefilter import candidate_lines
from agent.documents.schema import Party
from agent.documents.vat import compact, country_of, is_valid_vat

GAP = re.compile(r"\s{3,}")
# A label opens a cell: at the line's start or after a column gap. "(?=\S)" is for speed only: the
# vocabulary is tried at the first letter of a word, not at every space of a mostly blank line.
CELL_START = r"(?:^\s*|(?<=\s\s)(?=\S))"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
VAT_CANDIDATE = re.compile(r"\b(?:[A-Z]{2}|CHE)[ -]?(?:[0-9A-Z][ .-]?){8,13}\b")
VAT_LABEL = re.compile(labels.VAT_LABEL, re.IGNORECASE)
LABELLED_BLOCK, DELIVERY_BLOCK = 0.9, 0.7  # a delivery address names the customer less surely
UNSHAPED_BLOCK = 0.75  # a label's block with no postcode in it: one signal only, a person checks
WINDOW_BLOCK = 0.85  # no label, but a sender line above and an address under it agree
BLOCK_DEPTH, VAT_DEPTH = 8, 20  # lines read under a block's label; lines searched for its VAT id
ADDRESS_LINES = 5
FIELD_LINE = re.compile(r"^[^\W\d][\w .\-/]{0,30}?\s*:\s*\S")  # "Label: value"


def cell_label_re(vocabulary: str) -> re.Pattern[str]:
    return re.compile(rf"{CELL_START}(?:{vocabulary})(?![\w])", re.IGNORECASE)


def spans_gap(label: re.Match[str]) -> bool:
    """A label's words stand in one cell: "Fecha de factura      Nº cliente" holds no "factura nº" (the
    vocabularies allow any spacing between a label's words, and layout text puts columns side by side)."""
    return GAP.search(label.group(0).strip()) is not None


def label_words(label: str) -> str:
    """A label as the layout memory records it: its words, lower case ("Total TTC :" -> "total ttc")."""
    return " ".join(re.findall(r"\w+", label.lower()))


def _heads_a_block(line: str, label: re.Match[str]) -> bool:
    """Nothing in the label's cell after it but a colon (and a value): "Client Reference" or "Kunde
    seit" is another label that starts alike."""
    rest = line[label.end() :]
    tail = GAP.split(rest, maxsplit=1)[0] if rest.strip() else ""
    return not tail.strip() or tail.lstrip().startswith(":")


@dataclass
class Block:
    lines: list[str]
    row: int  # the label's line
    column: int  # the label's column
    confidence: float
    how: str  # its label and kind ("adresse du client|block"), for the layout memory


@dataclass
class Parties:
    customer: Party
    supplier: Party
    name_confidence: float | None  # None when no block was found
    provenance: dict[str, str]


def column_slice(line: str, start: int) -> str:
    """The text of `line` in the column that begins near `start`, up to the next wide gap."""
    if start >= len(line):
        return ""
    begin = max(0, start - 2)
    while begin > 0 and line[begin - 1] != " ":  # do not cut a word that starts a little to the left
        begin -= 1
    segment = line[begin:].lstrip()
    gap = GAP.search(segment)
    return segment[: gap.start()] if gap else segment


def cell_at(line: str, column: int) -> str:
    """The cell in a column; a field label ("Name:") takes its value from the next column."""
    cell = column_slice(line, column).strip()
    if cell.endswith(":"):
        rest = line[line.find(cell) + len(cell) :].strip()
        cell = f"{cell} {GAP.split(rest, maxsplit=1)[0]}".strip() if rest else cell
    return cell


def customer_block(lines: list[str], own_names: Sequence[str] = ()) -> Block | None:
    """The customer's block: the first candidate (`_blocks`) that does not name the company itself (its
    own names, from settings, are never the customer: a letterhead or a sender line reads like a block).
    Only when every candidate names it is that one returned, so the check says so."""
    own = [name.lower() for name in own_names if name]
    first = None
    for block in _blocks(lines):
        if not any(name in block.lines[0].lower() for name in own):
            return block
        first = first or block
    return first


def _blocks(lines: list[str]) -> Iterator[Block]:
    """Candidate customer blocks, surest first: under a customer label (less sure without a postcode in
    it: the label's words may be a heading of something else); in a letter window under the sender's
    line; under a delivery label, which names the customer too but less surely (the goods may go to a
    third party)."""
    label_re = cell_label_re(labels.CUSTOMER_BLOCK)
    for index in candidate_lines(lines, labels.CUSTOMER_BLOCK):
        line = lines[index]
        for label in label_re.finditer(line):
            if spans_gap(label):
                continue
            if _heads_a_block(line, label) and (
                block := _read_block(lines, index, label.start(), label.end())
            ):
                confidence = LABELLED_BLOCK if has_address(block) else UNSHAPED_BLOCK
                yield Block(block, index, label.start(), confidence, f"{label_words(label.group(0))}|block")
    yield from window_blocks(lines)
    label_re = cell_label_re(labels.DELIVERY_BLOCK)
    for index in candidate_lines(lines, labels.DELIVERY_BLOCK):
        line = lines[index]
        for label in label_re.finditer(line):
            if spans_gap(label):
                continue
            if _heads_a_block(line, label) and (
                block := _read_block(lines, index, label.start(), label.end())
            ):
                yield Block(
                    block, index, label.start(), DELIVERY_BLOCK, f"{label_words(label.group(0))}|delivery"
                )


SENDER_SEPARATOR = re.compile(r"\s[·•|–-]\s|,\s")
CELLS = re.compile(r"\S+(?:\s{1,2}\S+)*")
WINDOW_DEPTH = 40  # lines: a letter window stands in the upper third of the first page


def window_blocks(lines: list[str]) -> Iterator[Block]:
    """An address in a letter window (DIN 5008, and most European letters) has no label: above it stands
    the sender's own address on one small line ("Atelier SARL · 3 rue Neuve · 69002 Lyon"), and under it
    the addressee's name, street and postcode. Two signals that must agree: a sender line (a name with a
    legal form or its own postcode, in parts joined by separators) and an address under it."""
    legal_form = re.compile(labels.LEGAL_FORM)
    for index, line in enumerate(lines[:WINDOW_DEPTH]):
        for cell in CELLS.finditer(line):
            text = cell.group(0)
            if len(SENDER_SEPARATOR.findall(text)) < 2 or not ADDRESS_SHAPE.search(text):
                continue
            if not legal_form.search(text.split("·")[0]) and not has_address(
                [text, *SENDER_SEPARATOR.split(text)]
            ):
                continue
            block = _read_block(lines, index, cell.start(), cell.end())
            if block and has_address(block) and SENDER_SEPARATOR.search(block[0]) is None:
                yield Block(block, index, cell.start(), WINDOW_BLOCK, "sender line|window")


def _read_block(lines: list[str], index: int, column: int, label_end: int) -> list[str]:
    block: list[str] = []
    rest = lines[index][label_end:]
    same_line = GAP.split(rest.strip(" :"), maxsplit=1)[0].strip()
    other_party = cell_label_re(f"{labels.CUSTOMER_BLOCK}|{labels.SUPPLIER_HINTS}|{labels.DELIVERY_BLOCK}")
    below = next((cell for line in lines[index + 1 : index + 3] if (cell := cell_at(line, column))), "")
    if (
        same_line
        and not re.fullmatch(r"[\w\-/.]*\d[\w\-/.]*", same_line)  # not a customer number
        and not other_party.match(same_line)  # not the next party's heading on the same row
        # Across a column gap, with the block going on below the label, it is another column's text
        # ("Bill To            Invoice"): the title or a field standing on the same row.
        and not (GAP.match(rest.lstrip(":")) and below)
    ):
        block.append(same_line)
    blanks = 0
    for following in lines[index + 1 : index + BLOCK_DEPTH]:
        cell = cell_at(following, column)
        if not cell:
            blanks += 1 if block else 0
            # One blank line may fall inside a block (layout text spacing); two end it, unless no address
            # has come yet under the name (a form that spaces its fields: "Name:", then "Anschrift:").
            if blanks > (2 if len(block) and not has_address(["", *block]) else 1):
                break
            continue
        blanks = 0
        if cell_label_re(labels.DELIVERY_BLOCK + "|" + labels.SUPPLIER_HINTS).match(cell):
            break  # the next party's block begins in this column
        block.append(cell)
    return _name_first(block)


def _name_first(block: list[str]) -> list[str]:
    """Put the name first: a labelled name field anywhere in the block ("Name: X") wins; otherwise drop
    contact-person lines that open the block, and join a lone salutation ("Herrn") to the name."""
    field = re.compile(labels.FIELD_PREFIX, re.IGNORECASE)
    salutation = re.compile(labels.SALUTATION, re.IGNORECASE)
    for index, line in enumerate(block):
        if field.match(line) and (name := field.sub("", line).strip()):
            if index and salutation.match(block[index - 1].strip()):  # "Herrn" above "Name: Max Muster"
                return [f"{block[index - 1].strip()} {name}", *block[: index - 1], *block[index + 1 :]]
            return [name, *block[:index], *block[index + 1 :]]
    block = [
        line
        for line in block
        if not re.match(labels.NUMBER_FIELD, line, re.IGNORECASE)
        and not re.match(labels.PARTY_ID, line, re.I)
    ]
    person = re.compile(labels.PERSON_LINE, re.IGNORECASE)
    while block and (person.search(block[0]) or not_a_name(block[0])):
        block = block[1:]
    if len(block) > 1 and salutation.match(block[0].strip()):
        block = [f"{block[0].strip()} {block[1].strip()}", *block[2:]]
    return [line for line in block if line]


_TITLE = re.compile(
    rf"(?:{labels.INVOICE_TITLES}|{labels.CREDIT_NOTE_TITLES}|{labels.TITLE_WORD})\W*$", re.IGNORECASE
)
_FIELD_LABEL = re.compile(
    rf"(?:{labels.NUMBER}|{labels.NUMBER_WEAK}|{labels.ISSUE_DATE}|{labels.ISSUE_DATE_WEAK}|{labels.DUE_DATE}"
    rf"|{labels.CUSTOMER_NUMBER})(?![\w])",
    re.IGNORECASE,
)


def not_a_name(line: str) -> bool:
    """A line that cannot be a party's name: a document title, even letter-spaced ("W A R E N R E C H N U N
    G"), another field's label ("Rechnungsnummer:", "Datum :", "Código cliente"), or a bare label
    ending in a colon. Such a line stands in a block's column when the title or a field sits beside
    the block's heading."""
    text = line.strip()
    if re.fullmatch(r"(?:\w ){3,}\w", text):  # letter-spaced: a heading, never a company's name
        text = text.replace(" ", "")
    if _TITLE.match(text) or text.endswith(":"):
        return True
    field = _FIELD_LABEL.match(text)
    return field is not None and not re.search(r"[^\W\d_]{3}", text[field.end() :])


ADDRESS_SHAPE = re.compile(
    r"(?<![\w-])(?:[A-Z]{1,2}-)?\d{4,5}(?![\w-])"  # 75011, D-10115, CH-8001
    r"|\b\d{4}\s?[A-Z]{2}\b|\b\d{4}-\d{3}\b"  # 1012 AB (NL), 1100-148 (PT)
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b"  # EC1A 1BB (GB)
)


STREET_SHAPE = re.compile(
    r"^(?=.*[^\W\d]{3})(?:\d{1,4}[a-zA-Z]?\b.*|.*\b\d{1,4}[a-zA-Z]?)$"
)  # "8 place X", "Hauptstr. 5"


def has_address(block: list[str]) -> bool:
    """Whether a block under its name holds an address: a line with a postcode, or a street and its
    number. What tells a party's block from a heading's stray words; one without names its party less
    surely."""
    return any(
        (ADDRESS_SHAPE.search(line) or STREET_SHAPE.match(line.strip()))
        and not VAT_LABEL.search(line)
        and not EMAIL.search(line)
        and not re.search(r"t[ée]l|phone|fax", line, re.IGNORECASE)
        for line in block[1 : ADDRESS_LINES + 2]
    )


def party_from_block(block: Block) -> Party:
    emails = [m.group(0) for line in block.lines for m in EMAIL.finditer(line)]
    address_lines = [
        re.sub(labels.ADDRESS_PREFIX, "", line, flags=re.IGNORECASE).strip()
        for line in block.lines[1:]
        if not EMAIL.search(line)
        and not re.search(r"t[ée]l|phone|contact|fax", line, re.I)
        and not VAT_LABEL.search(line)
        and not re.match(labels.PERSON_LINE, line, re.IGNORECASE)
        and not not_a_name(line)  # the title or a label standing in the block's column
        # "GLN : 365...", "Nummer: 16259": a field of the block, not a line of the address
        and (re.match(labels.ADDRESS_PREFIX, line, re.IGNORECASE) or not FIELD_LINE.match(line))
    ]
    country = None
    for code, pattern in labels.COUNTRY_NAMES.items():
        if any(re.search(pattern, line, re.IGNORECASE) for line in block.lines):
            country = code
            break
    return Party(
        name=block.lines[0],
        address=", ".join(address_lines[:ADDRESS_LINES]) or None,
        country=country,
        email=emails[0] if emails else None,
    )


def vat_ids_in(cell: str, *, labelled: bool = False) -> list[str]:
    """VAT ids in a cell: any with a valid checksum, and one printed after a VAT label even when its
    checksum fails (validation then lowers its confidence and says why; it is what the page says)."""
    label = VAT_LABEL.search(cell)
    found = []
    for match in VAT_CANDIDATE.finditer(cell.upper()):
        vat = re.sub(r"[ .-]", "", match.group(0))
        # A Swiss UID is a VAT id with its suffix: "CHE-123.456.789 MWST" (or TVA, IVA).
        if vat.startswith("CHE") and (
            suffix := re.match(r"\s*(MWST|TVA|IVA)\b", cell.upper()[match.end() :])
        ):
            vat += suffix.group(1)
        after_label = labelled or (label is not None and label.end() <= match.start())
        if is_valid_vat(vat) or (after_label and re.search(r"\d{6}", vat)):
            found.append(vat)
    return found


def customer_vat_id(lines: list[str], block: Block | None) -> tuple[str, str] | None:
    """A VAT id labelled as the customer's ("N° TVA client", "Customer VAT Number"); else the first in the
    customer block's column, from its label down to the next party's block."""
    label_re = cell_label_re(labels.CUSTOMER_VAT)
    for index in candidate_lines(lines, labels.CUSTOMER_VAT):
        line = lines[index]
        for label in label_re.finditer(line):
            if spans_gap(label):
                continue
            value = GAP.split(line[label.end() :].strip(" :"), maxsplit=1)[0]
            if found := vat_ids_in(value, labelled=True):
                return found[0], "customer vat label"
    if block is None:
        return None
    stop = cell_label_re(labels.DELIVERY_BLOCK + "|" + labels.SUPPLIER_HINTS)
    for line in lines[block.row + 1 : block.row + VAT_DEPTH]:
        cell = cell_at(line, block.column)
        if stop.match(cell):
            break
        if found := vat_ids_in(cell):
            return found[0], "customer column"
    return None


def supplier_name(lines: list[str], customer: str | None) -> str | None:
    """The issuer's name: the block under a seller label ("Verkäufer", "Fournisseur"), else a line of
    the letterhead that carries a legal form ("Atelier Numérique SAS", "Beispielbau GmbH")."""
    label_re = cell_label_re(labels.SUPPLIER_HINTS)
    for index in candidate_lines(lines, labels.SUPPLIER_HINTS):
        line = lines[index]
        for label in label_re.finditer(line):
            if spans_gap(label):
                continue
            if not _heads_a_block(line, label):
                continue
            block = _read_block(lines, index, label.start(), label.end())
            if block and block[0] != customer:
                return block[0]
    legal_form = re.compile(labels.LEGAL_FORM, re.IGNORECASE)
    for line in lines[:8]:
        first_cell = GAP.split(line.strip(), maxsplit=1)[0]
        if legal_form.search(first_cell) and first_cell != customer:
            return re.split(r"\s+[-–|]\s+", first_cell)[0].strip()
    return None


def supplier_vat_id(text: str, customer_vat: str | None) -> str | None:
    """The first valid VAT id that is not the customer's: the supplier prints its own in its header or
    footer (a legal mention)."""
    for line in text.splitlines():
        for vat in vat_ids_in(line):
            if is_valid_vat(vat) and vat != (customer_vat and compact(customer_vat)):
                return vat
    return None


def read_parties(lines: list[str], text: str, own_names: Sequence[str] = ()) -> Parties:
    block = customer_block(lines, own_names)
    customer = party_from_block(block) if block else Party()
    provenance = {"customer_name": block.how} if block else {}
    if vat := customer_vat_id(lines, block):
        customer.vat_id, provenance["customer_vat_id"] = vat
    if customer.vat_id and not customer.country:
        customer.country = country_of(customer.vat_id)
    supplier = Party(name=supplier_name(lines, customer.name), vat_id=supplier_vat_id(text, customer.vat_id))
    return Parties(customer, supplier, block.confidence if block else None, provenance)
