"""The LLM edge: any OpenAI-compatible endpoint through langchain-openai, used only when configured.

Every call asks for structured output (a tool call into a small pydantic schema), records its token
usage, and never decides alone: the caller checks the answer like any other input and cross-checks it
with the deterministic reading. A failed call (network, refusal, unparsable answer) returns None with
the reason, and the deterministic path carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from agent.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)


class LlmParty(BaseModel):
    name: str | None = Field(default=None, description="Legal name as printed")
    address: str | None = Field(default=None, description="Postal address, lines separated by ', '")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code, e.g. FR")
    vat_id: str | None = Field(default=None, description="VAT identifier with its country prefix")
    email: str | None = None


class LlmLine(BaseModel):
    description: str
    quantity: str | None = Field(default=None, description="Decimal with a dot, e.g. 2 or 1.5")
    unit_price: str | None = Field(default=None, description="Decimal with a dot, e.g. 10.00")
    amount: str | None = Field(default=None, description="Decimal with a dot, e.g. 20.00")


class LlmDocument(BaseModel):
    """An invoice or credit note as read from its text. Amounts are positive decimal strings with a dot."""

    document_type: Literal["invoice", "credit_note"]
    number: str | None = None
    issue_date: str | None = Field(default=None, description="YYYY-MM-DD")
    due_date: str | None = Field(default=None, description="YYYY-MM-DD, computed from the terms if needed")
    currency: str | None = Field(default=None, description="ISO 4217 code, e.g. EUR")
    total_net: str | None = None
    total_tax: str | None = None
    total_gross: str | None = None
    amount_due: str | None = Field(default=None, description="What is still to pay, after deposits")
    customer: LlmParty = Field(default_factory=LlmParty, description="Who is billed (not the issuer)")
    supplier: LlmParty = Field(default_factory=LlmParty, description="Who issued the document")
    referenced_invoice: str | None = Field(
        default=None, description="For a credit note: the invoice it corrects"
    )
    lines: list[LlmLine] = Field(default_factory=list)
    language: str | None = Field(default=None, description="ISO 639-1 code of the document's language")


class LlmReply(BaseModel):
    """What a customer's reply to a payment reminder says."""

    intent: Literal["promise", "dispute", "already_paid", "other"]
    promised_for: str | None = Field(default=None, description="For a promise: the payment date, YYYY-MM-DD")
    words: str = Field(description="The customer's own sentence that shows the intent, copied exactly")


class LlmContact(BaseModel):
    """The contact finance named in its answer."""

    name: str | None = None
    email: str | None = Field(default=None, description="Copied exactly from the answer")
    language: str | None = Field(default=None, description="ISO 639-1 code, only if the answer says it")


@dataclass
class LlmAnswer:
    value: BaseModel | None
    usage: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured endpoint, or None (deterministic only)."""
    llm = settings.llm
    if not llm.configured:
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=llm.base_url,
        api_key=llm.api_key.get_secret_value() if llm.api_key else "none",  # type: ignore[arg-type]
        model=llm.model or "",
        temperature=0,
        timeout=60,
        max_retries=1,
    )


def load_prompt(prompts_dir: Path, name: str, **values: str) -> str:
    text = (prompts_dir / f"{name}.md").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def ask(model: BaseChatModel, *, system: str, text: str, schema: type[T]) -> LlmAnswer:
    """One structured question. Usage is read from the answer's metadata (OpenAI-compatible servers
    report prompt and completion tokens)."""
    try:
        runnable = model.with_structured_output(schema, method="function_calling", include_raw=True)
        result: dict[str, Any] = runnable.invoke([SystemMessage(system), HumanMessage(text)])  # type: ignore[assignment]
    except Exception as error:  # any failure of the endpoint leaves the deterministic result in charge
        log.warning("LLM call failed: %s", error)
        return LlmAnswer(None, error=f"LLM call failed: {error}")
    raw = result.get("raw")
    usage_metadata = getattr(raw, "usage_metadata", None) or {}
    usage = {k: int(usage_metadata.get(k, 0)) for k in ("input_tokens", "output_tokens", "total_tokens")}
    if result.get("parsing_error") or result.get("parsed") is None:
        return LlmAnswer(
            None, usage, f"LLM answer not usable: {result.get('parsing_error') or 'no tool call'}"
        )
    return LlmAnswer(result["parsed"], usage)


def document_reader(model: BaseChatModel, settings: Settings) -> Callable[[str], LlmAnswer]:
    """The model's reading of a document's text (`prompts/document.md`), for `ExtractOptions.llm`."""
    system = load_prompt(settings.prompts_dir, "document", company=settings.company.name)
    return lambda text: ask(model, system=system, text=text, schema=LlmDocument)


def parse_iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
