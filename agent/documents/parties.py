"""Who is who on a printed invoice: the customer's block (name, address, country, e-mail, VAT id) and the
supplier's VAT id, read from pypdf's layout text without a template.

A block is found under its label ("Bill to", "Client", "Kunde"...) and read in the label's column, since
the supplier's own block usually runs on beside it. A label counts only where it opens a cell: "Client"
in "N° TVA client" or "Kunde" in "Bestellung Nr. Kunde:" is part of another label, not a block.
"""

from __future__ import annotations

import re
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
BLOCK_DEPTH, VAT_DEPTH = 8, 20  # lines read under a block's label; lines searched for its VAT id
ADDRESS_LINES = 5
FIELD_LINE = re.compile(r"^[^\W\d][\w .\-/]{0,30}?\s*:\s*\S")  # "Label: value"


def cell_label_re(vocabulary: str) -> re.Pattern[str]:
    return re.compile(rf"{CELL_START}(?:{vocabulary})(?![\w])", re.IGNORECASE)


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


def customer_block(lines: list[str]) -> Block | None:
    """The addressee block under a customer label; else a delivery address, which names the customer
    too but less surely (the goods may go to a third party)."""
    kinds = (
        (labels.CUSTOMER_BLOCK, LABELLED_BLOCK, "block"),
        (labels.DELIVERY_BLOCK, DELIVERY_BLOCK, "delivery"),
    )
    for vocabulary, confidence, kind in kinds:
        label_re = cell_label_re(vocabulary)
        for index in candidate_lines(lines, vocabulary):
            line = lines[index]
            for label in label_re.finditer(line):
                if not _heads_a_block(line, label):
                    continue
                block = _read_block(lines, index, label.start(), label.end())
                if block:
                    return Block(
                        block, index, label.start(), confidence, f"{label_words(label.group(0))}|{kind}"
                    )
    return None


def _read_block(lines: list[str], index: int, column: int, label_end: int) -> list[str]:
    block: list[str] = []
    same_line = GAP.split(lines[index][label_end:].strip(" :"), maxsplit=1)[0].strip()
    other_party = cell_label_re(f"{labels.CUSTOMER_BLOCK}|{labels.SUPPLIER_HINTS}|{labels.DELIVERY_BLOCK}")
    if (
        same_line
        and not re.fullmatch(r"[\w\-/.]*\d[\w\-/.]*", same_line)  # not a customer number
        and not other_party.match(same_line)  # not the next party's heading on the same row
    ):
        block.append(same_line)
    blanks = 0
    for following in lines[index + 1 : index + BLOCK_DEPTH]:
        cell = cell_at(following, column)
        if not cell:
            blanks += 1 if block else 0
            if blanks > 1:  # one blank line may fall inside a block (layout text spacing); two end it
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
    block = [line for line in block if not re.match(labels.NUMBER_FIELD, line, re.IGNORECASE)]
    person = re.compile(labels.PERSON_LINE, re.IGNORECASE)
    while len(block) > 1 and person.search(block[0]):
        block = block[1:]
    if len(block) > 1 and salutation.match(block[0].strip()):
        block = [f"{block[0].strip()} {block[1].strip()}", *block[2:]]
    return [line for line in block if line]


def party_from_block(block: Block) -> Party:
    emails = [m.group(0) for line in block.lines for m in EMAIL.finditer(line)]
    address_lines = [
        re.sub(labels.ADDRESS_PREFIX, "", line, flags=re.IGNORECASE).strip()
        for line in block.lines[1:]
        if not EMAIL.search(line)
        and not re.search(r"t[ée]l|phone|contact|fax", line, re.I)
        and not VAT_LABEL.search(line)
        and not re.match(labels.PERSON_LINE, line, re.IGNORECASE)
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


def read_parties(lines: list[str], text: str) -> Parties:
    block = customer_block(lines)
    customer = party_from_block(block) if block else Party()
    provenance = {"customer_name": block.how} if block else {}
    if vat := customer_vat_id(lines, block):
        customer.vat_id, provenance["customer_vat_id"] = vat
    if customer.vat_id and not customer.country:
        customer.country = country_of(customer.vat_id)
    supplier = Party(name=supplier_name(lines, customer.name), vat_id=supplier_vat_id(text, customer.vat_id))
    return Parties(customer, supplier, block.confidence if block else None, provenance)
