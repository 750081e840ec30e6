"""Check a CAMT sample against the ISO 20022 schema without the XSD files (not reachable here):
pyiso20022 ships the schema as xsdata dataclasses generated from the official XSDs, with the
element order, cardinalities, types and patterns. A sample passes when it parses with every
unknown element, attribute or unconvertible value an error, every required element is present,
every pattern holds, and serializing the parsed model gives the same elements in the same order
(xsdata writes the schema's sequence order)."""

from __future__ import annotations

import dataclasses
import importlib
import re
from typing import Any

from lxml import etree
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig
from xsdata.formats.dataclass.serializers import XmlSerializer


def _problems(value: Any, path: str) -> list[str]:
    problems: list[str] = []
    if isinstance(value, list):
        for index, item in enumerate(value):
            problems += _problems(item, f"{path}[{index}]")
        return problems
    if not dataclasses.is_dataclass(value):
        return problems
    for field in dataclasses.fields(value):
        item = getattr(value, field.name)
        meta = field.metadata
        if meta.get("required") and item in (None, []):
            problems.append(f"{path}/{meta.get('name', field.name)}: required")
        pattern = meta.get("pattern")
        if pattern and isinstance(item, str) and not re.fullmatch(pattern, item):
            problems.append(f"{path}/{meta.get('name', field.name)}: {item!r} does not match {pattern}")
        min_length, max_length = meta.get("min_length"), meta.get("max_length")
        if isinstance(item, str) and (
            (min_length and len(item) < min_length) or (max_length and len(item) > max_length)
        ):
            problems.append(f"{path}/{meta.get('name', field.name)}: length {len(item)} out of bounds")
        problems += _problems(item, f"{path}/{meta.get('name', field.name)}")
    return problems


def _element_names(root: etree._Element) -> list[str]:
    return [etree.QName(e).localname for e in root.iter() if isinstance(e.tag, str)]


def schema_problems(data: bytes) -> list[str]:
    root = etree.fromstring(data)
    namespace = etree.QName(root).namespace or ""
    message = namespace.rsplit(":", 1)[-1]  # camt.053.001.02
    module = importlib.import_module(f"pyiso20022.camt.{message.replace('.', '_')}")
    config = ParserConfig(
        fail_on_unknown_properties=True, fail_on_unknown_attributes=True, fail_on_converter_warnings=True
    )
    document = XmlParser(config=config).from_bytes(data, module.Document)
    problems = _problems(document, "Document")
    again = etree.fromstring(XmlSerializer().render(document).encode())
    if _element_names(again) != _element_names(root):
        problems.append("elements are not in the schema's order")
    return problems
