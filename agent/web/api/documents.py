"""`POST /api/documents`: upload invoices and credit notes (PDF, Factur-X/ZUGFeRD, UBL/CII XML, PNG/JPEG).

multipart/form-data, with the token's scope `documents`:

- `files`: one part per file (up to 100);
- `reference`: the sender's own reference per file, in the order of the files (send an empty value
  for a file without one), or none at all;
- `account`: an account hint (an account id or a customer's name), one for every file or one per file.

The answer comes at once, 202, with the batch's id and one entry per file (`received`, `refused` or
`duplicate`); `GET /api/batches/{id}` then tells what became of each. The graph reads the files after
the answer (worker.py), each as a mailed document (intake.py).

Limits (files.py `limits`): a request over the request limit, or a file over the per-file limit, is
answered 413 with what was too large, and nothing of it is kept. Every other problem of a file (empty, an
executable, a type relance does not read, a file received before) is that file's own status: the others
go on. An account hint is kept and shown beside the account the document was recorded on; the graph
matches the account from the document itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message

from agent.db import session_scope
from agent.mail.parse import megabytes
from agent.models.api_token import Scope
from agent.runtime import Runtime
from agent.web.api.batches import BatchStatus, batch_status
from agent.web.api.files import Limits, limits, too_large
from agent.web.api.intake import Incoming, keep_batch, record_batch, upload_refusal
from agent.web.api.tokens import Caller, authorize, errors, refusal
from agent.web.api.worker import BatchWorker

FIELD_BYTES = 10_000  # a reference or an account hint, not a file

REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "The files: PDF, Factur-X/ZUGFeRD, UBL or CII XML, PNG, JPEG, TIFF",
                    },
                    "reference": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Your own reference per file, in the order of the files",
                    },
                    "account": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "An account hint (id or name): one for all files, or one per file",
                    },
                },
            }
        }
    },
}


class _TooLarge(Exception):
    pass


async def _read_form(request: Request, bounds: Limits) -> FormData | JSONResponse:
    """The form, read with the request limit enforced as the bytes arrive (a client may not say, or may
    lie about, its Content-Length); the files spool to disk past 1 MB, never all in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > bounds.per_request:
        return _request_too_large(int(declared), bounds)
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > bounds.per_request:
            raise _TooLarge
        return message

    try:
        return await Request(request.scope, counted).form(
            max_files=bounds.files, max_fields=2 * bounds.files + 10, max_part_size=FIELD_BYTES
        )
    except _TooLarge:
        return _request_too_large(received, bounds)
    except HTTPException as error:  # a broken multipart body, too many files or too long a field
        return refusal(400, "bad_request", f"the form cannot be read: {error.detail}")


def _request_too_large(size: int, bounds: Limits) -> JSONResponse:
    return JSONResponse(
        {
            "error": "request_too_large",
            "message": f"the request weighs over {megabytes(size)}, over the limit of "
            f"{megabytes(bounds.per_request)} per request: nothing was kept; send the files in "
            "several requests",
            "limit_bytes": bounds.per_request,
        },
        status_code=413,
    )


def _spread(values: list[str], count: int, name: str, *, one_for_all: bool) -> list[str | None] | str:
    """The values of a per-file field, one per file; or why they cannot be matched to the files."""
    if not values:
        return [None] * count
    if one_for_all and len(values) == 1:
        return [values[0]] * count
    if len(values) != count:
        return f"{len(values)} value(s) of {name} for {count} file(s): send one per file, in their order"
    return [value or None for value in values]


async def _incoming(form: FormData, bounds: Limits) -> list[Incoming] | JSONResponse:
    files = form.getlist("files")
    if not files or not all(isinstance(f, UploadFile) for f in files):
        return refusal(
            422, "no_files", "send each file as a part named 'files' of a multipart/form-data body"
        )
    uploads = [f for f in files if isinstance(f, UploadFile)]
    for upload in uploads:
        if (upload.size or 0) > bounds.per_file:
            name = upload.filename or "a file"
            body = {"error": "file_too_large", "file": name, "limit_bytes": bounds.per_file}
            message = f"{too_large(name, upload.size or 0, bounds.per_file)}: nothing was kept"
            return JSONResponse(body | {"message": message}, status_code=413)
    texts = {name: [str(v) for v in form.getlist(name)] for name in ("reference", "account")}
    if any(isinstance(v, UploadFile) for name in texts for v in form.getlist(name)):
        return refusal(422, "bad_field", "reference and account are text fields, not files")
    references = _spread(texts["reference"], len(uploads), "reference", one_for_all=False)
    accounts = _spread(texts["account"], len(uploads), "account", one_for_all=True)
    for spread in (references, accounts):
        if isinstance(spread, str):
            return refusal(422, "fields_do_not_match_files", spread)
    assert isinstance(references, list) and isinstance(accounts, list)
    return [
        Incoming(
            filename=upload.filename or "",
            declared_type=upload.content_type or "",
            data=await upload.read(),
            reference=reference,
            account_hint=account,
        )
        for upload, reference, account in zip(uploads, references, accounts, strict=True)
    ]


def accept_upload(
    runtime: Runtime, worker: BatchWorker, *, caller: Caller, files: list[Incoming]
) -> BatchStatus:
    """Record and keep the files (before any answer), wake the worker; the batch as it stands. Blocking:
    call it in a thread. The workspace's upload page uses it too, with its signed-in user as the caller."""
    batch_id = record_batch(runtime, caller=caller, files=files)
    keep_batch(runtime, worker.keep, batch_id=batch_id)  # kept as messages before the answer
    worker.wake()
    with session_scope(runtime.engine) as session:
        status = batch_status(session, batch_id)
    assert status is not None
    return status


def upload_endpoint(runtime: Runtime, worker: BatchWorker) -> Callable[[Request], Awaitable[JSONResponse]]:
    def accept(caller: Caller, files: list[Incoming]) -> dict[str, Any]:
        return accept_upload(runtime, worker, caller=caller, files=files).model_dump(mode="json")

    async def post_documents(request: Request) -> JSONResponse:
        caller = authorize(request, runtime, Scope.DOCUMENTS)
        if isinstance(caller, JSONResponse):
            return caller
        refused = upload_refusal(runtime, caller)
        if refused:
            return refusal(503, "uploads_disabled", refused)
        bounds = limits(runtime.settings)
        form = await _read_form(request, bounds)
        if isinstance(form, JSONResponse):
            return form
        try:
            files = await _incoming(form, bounds)
            if isinstance(files, JSONResponse):
                return files
            answer = await run_in_threadpool(accept, caller, files)
        finally:
            await form.close()
        return JSONResponse(answer, status_code=202, headers={"Location": f"/api/batches/{answer['id']}"})

    return post_documents


def documents_router(runtime: Runtime, worker: BatchWorker) -> APIRouter:
    router = APIRouter()
    router.add_api_route(
        "/documents",
        upload_endpoint(runtime, worker),
        methods=["POST"],
        status_code=202,
        response_model=BatchStatus,
        responses=errors(400, 401, 403, 413, 422, 503),
        summary="Upload invoices and credit notes; read asynchronously (token scope documents)",
        openapi_extra={"requestBody": REQUEST_BODY},
    )
    return router
