"""The HTTP API (`/api/...`), described by the OpenAPI schema at `/api/openapi.json`. See docs/api.md.

`api_router(runtime)` assembles it; `agent.web.app` mounts it. Every route but `/api/health` takes
`Authorization: Bearer <token>`: a token made by `relance tokens add`, whose scopes (read, documents,
payments) and its owner's role decide what it may do.

tokens.py     API tokens: made, listed, revoked; checked on each request (scopes and roles); error shape
documents.py  POST /api/documents: upload files; answered at once with a batch
files.py      what an uploaded file is (by its bytes), the size limits
intake.py     an upload kept as one synthetic inbound message per file, before the answer
worker.py     the web process's thread that runs uploaded files through the graph
batches.py    GET /api/batches/{id}: what became of each file
invoices.py   GET /api/invoices (filters, cursor pages), GET /api/invoices/{id}
schedule.py   GET /api/schedule: the reminder steps to come
accounts.py   GET /api/accounts: customers, their contact and balances
payments.py   POST /api/payments: an accounting tool pushes payments (also the legacy payments.api_token)
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from agent.runtime import Runtime
from agent.web.api.accounts import accounts_router
from agent.web.api.batches import batches_router
from agent.web.api.documents import documents_router
from agent.web.api.invoices import invoices_router
from agent.web.api.payments import payments_router
from agent.web.api.schedule import schedule_router
from agent.web.api.tokens import BEARER
from agent.web.api.worker import BatchWorker


def api_router(runtime: Runtime) -> APIRouter:
    # One lock for whatever sends e-mail from this process's API: a payments import, a file's graph.
    work_lock = threading.Lock()
    worker = BatchWorker(runtime, work_lock=work_lock)

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        # The workspace's upload page hands its files to the same worker (documents.accept_upload).
        app.state.upload_worker = worker
        worker.start()  # takes up at once what a previous process accepted and did not finish
        try:
            yield
        finally:
            await run_in_threadpool(worker.stop)

    router = APIRouter(lifespan=lifespan)
    router.include_router(payments_router(runtime, work_lock=work_lock))
    authenticated = APIRouter(prefix="/api", dependencies=[Depends(BEARER)])
    authenticated.include_router(documents_router(runtime, worker), tags=["documents"])
    authenticated.include_router(batches_router(runtime), tags=["documents"])
    authenticated.include_router(invoices_router(runtime), tags=["book"])
    authenticated.include_router(schedule_router(runtime), tags=["book"])
    authenticated.include_router(accounts_router(runtime), tags=["book"])
    router.include_router(authenticated)
    return router
