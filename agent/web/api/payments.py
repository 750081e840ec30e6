"""`POST /api/payments`: an accounting tool pushes the payments it knows.

The body is read and checked here rather than by FastAPI's own validation, so a refusal keeps its
documented shape (`error`, `problems`). Two ways in, both `Authorization: Bearer <token>`:

- an API token with the scope `payments` (`relance tokens add --scope payments`), whose owner's role
  must allow it (finance or admin);
- the legacy shared secret `payments.api_token` from the settings, kept so that tools configured with it
  go on working. It names no person; prefer a token per tool, which can be revoked alone.

With neither configured the endpoint answers 503 (disabled). A request is a batch:

    {"payments": [{"id": "TX-1", "date": "2026-12-09", "amount": "1440.00", "currency": "EUR",
                   "reference": "FA-2026-118", "payer": "Acme", "payer_account": "FR76...",
                   "invoices": ["FA-2026-118"]}]}

`id` is the tool's own payment id: sending the same payment again is harmless (reported as a
duplicate). The answer says what happened to each payment. Amounts are decimal strings (or JSON
numbers) with at most two decimals.
"""

from __future__ import annotations

import hmac
import logging
import threading
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent.db import session_scope
from agent.models.api_token import Scope
from agent.payments import ImportReport, PaymentLine, import_lines
from agent.runtime import Runtime
from agent.web.api.tokens import BEARER, PREFIX, any_token_with, bearer, check_token, errors, refusal

log = logging.getLogger(__name__)

MAX_BODY = 2_000_000  # bytes; a day of payments of a large customer base fits many times


class PaymentIn(BaseModel):
    id: Annotated[str, Field(min_length=1, max_length=190)]
    date: date
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    reference: str = ""
    payer: str | None = None
    payer_account: str | None = None
    invoices: list[str] = Field(default_factory=list)

    def line(self) -> PaymentLine:
        return PaymentLine(
            external_id=f"api:{self.id}",
            received_on=self.date,
            amount=self.amount,
            currency=self.currency,
            reference=self.reference,
            payer=self.payer,
            payer_account=(self.payer_account or "").replace(" ", "").upper() or None,
            invoice_numbers=tuple(self.invoices),
        )


class PaymentBatch(BaseModel):
    payments: Annotated[list[PaymentIn], Field(min_length=1, max_length=5000)]


class PaymentOutcome(BaseModel):
    id: str
    status: str  # matched, unmatched, duplicate...
    invoices: list[str]
    reason: str | None


class PaymentsAnswer(BaseModel):
    imported: int
    duplicates: int
    matched: int
    unmatched: int
    paid_invoices: list[str]
    payments: list[PaymentOutcome]


def _request_schema() -> dict[str, object]:
    """PaymentBatch's JSON schema with PaymentIn written in place (the body is read by hand, so FastAPI
    does not list the models itself)."""
    schema = PaymentBatch.model_json_schema()
    definitions = schema.pop("$defs")
    schema["properties"]["payments"]["items"] = definitions["PaymentIn"]
    return schema


def _refusal(request: Request, runtime: Runtime) -> JSONResponse | None:
    """None when the caller may push payments: the legacy shared secret, or a token with `payments`."""
    legacy = runtime.settings.payments.api_token
    given = bearer(request)
    if (
        given is not None
        and legacy is not None
        and hmac.compare_digest(given.encode(), legacy.get_secret_value().encode())
    ):
        return None
    with session_scope(runtime.engine) as session:
        if given is not None and given.startswith(PREFIX):
            checked = check_token(session, given, Scope.PAYMENTS, at=runtime.clock.now())
            return checked if isinstance(checked, JSONResponse) else None
        if legacy is None and not any_token_with(session, Scope.PAYMENTS):
            return JSONResponse(
                {
                    "error": "the payments API is disabled: make a token with "
                    "`relance tokens add --scope payments`, or set payments.api_token"
                },
                status_code=503,
            )
    return refusal(401, "unauthorized", "missing or wrong API token")


def payments_router(runtime: Runtime, *, work_lock: threading.Lock) -> APIRouter:
    """`work_lock`: one import at a time, and never beside a batch's processing in this process: each is
    one transaction, and their task e-mails share one sender (one SMTP connection)."""
    import_lock = work_lock

    def import_batch(batch: PaymentBatch) -> ImportReport:
        with import_lock, session_scope(runtime.engine) as session:
            return import_lines(
                session,
                [payment.line() for payment in batch.payments],
                source="api",
                at=runtime.clock.now(),
                settings=runtime.settings,
                sender=runtime.sender,
            )

    async def post_payments(request: Request) -> JSONResponse:
        refused = _refusal(request, runtime)
        if refused is not None:
            return refused
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": f"request larger than {MAX_BODY} bytes"}, status_code=413)
        try:
            batch = PaymentBatch.model_validate_json(body)
        except ValidationError as error:
            problems = [
                {"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                for e in error.errors(include_url=False)
            ]
            return JSONResponse({"error": "invalid payments", "problems": problems}, status_code=422)
        report = await run_in_threadpool(import_batch, batch)
        log.info("api payments: %s", report.summary())
        return JSONResponse(
            {
                "imported": report.imported,
                "duplicates": report.duplicates,
                "matched": report.matched,
                "unmatched": report.unmatched,
                "paid_invoices": report.paid_invoices,
                "payments": [
                    {
                        "id": outcome.external_id.removeprefix("api:"),
                        "status": outcome.status,
                        "invoices": outcome.invoices,
                        "reason": outcome.reason,
                    }
                    for outcome in report.payments
                ],
            }
        )

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    router = APIRouter(prefix="/api", tags=["payments"])
    router.add_api_route(
        "/payments",
        post_payments,
        methods=["POST"],
        summary="Push a batch of payments (a token with the scope payments, or payments.api_token)",
        response_model=PaymentsAnswer,
        responses=errors(401, 403, 413, 503),
        dependencies=[Depends(BEARER)],
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": _request_schema()}}}
        },
    )
    router.add_api_route("/health", health, methods=["GET"], summary="The service answers")
    return router
