"""API tokens: made by `relance tokens add` (shown once, kept hashed), scoped, bounded by the user's role
at every request, revocable; checked on a real `relance web`. And the OpenAPI schema names every route."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlmodel import select

from agent.db import session_scope
from agent.models.api_token import ApiToken
from tests.api_server import add_token, add_user, open_runtime, relance, relance_refused, served
from tests.test_graph import invoice_pdf

FINANCE_USER, VIEWER = "fin@supplier.example", "view@supplier.example"
PAYMENT = {"id": "TX-1", "date": "2026-11-02", "amount": "10.00", "currency": "EUR", "reference": "nothing"}


def test_tokens_are_made_for_a_role_shown_once_and_kept_hashed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    add_user(data_dir, VIEWER, "viewer")
    refused = relance_refused(
        data_dir, "tokens", "add", "--user", VIEWER, "--scope", "read", "--scope", "documents"
    )
    assert f"refused: {VIEWER} is viewer: the scope documents needs the finance or admin role" in refused
    assert "no user nobody@x.example" in relance_refused(
        data_dir, "tokens", "add", "--user", "nobody@x.example", "--scope", "read"
    )
    secret = add_token(data_dir, VIEWER, "read")
    listed = json.loads(relance(data_dir, "tokens", "list", "--json"))
    assert [(t["user"], t["scopes"], t["hint"], t["last_used_at"]) for t in listed] == [
        (VIEWER, "read", secret[:10] + "…", None)
    ]
    runtime = open_runtime(data_dir)
    with session_scope(runtime.engine) as session:
        (row,) = session.exec(select(ApiToken)).all()
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in json.dumps(row.model_dump(), default=str)
    runtime.engine.dispose()


def test_scopes_roles_and_revocation_on_a_real_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    add_user(data_dir, FINANCE_USER, "finance")
    add_user(data_dir, VIEWER, "viewer")
    reader = add_token(data_dir, VIEWER, "read")
    uploader = add_token(data_dir, FINANCE_USER, "documents")
    payer = add_token(data_dir, FINANCE_USER, "payments")
    upload = {"files": ("a.pdf", invoice_pdf("F-2026-0990", "10.00"), "application/pdf")}
    with served(data_dir) as web:
        with web.client() as anonymous:
            answer = anonymous.get("/api/invoices")
            assert (
                answer.status_code == 401 and answer.headers["www-authenticate"] == 'Bearer realm="relance"'
            )
            assert anonymous.get("/api/health").json() == {"status": "ok"}
        with web.client("rlk_" + "x" * 43) as stranger:
            assert stranger.get("/api/accounts").json()["error"] == "unauthorized"
        with web.client(reader) as client:
            assert client.get("/api/invoices").json() == {"items": [], "next_cursor": None}
            refused = client.post("/api/documents", files=upload)
            assert refused.status_code == 403
            assert refused.json()["message"] == "this token does not have the scope documents"
            assert client.post("/api/payments", json={"payments": [PAYMENT]}).status_code == 403
        with web.client(uploader) as client:
            assert client.get("/api/invoices").status_code == 403  # documents does not read the book
            batch = client.post("/api/documents", files=upload)
            assert batch.status_code == 202
            assert client.get(f"/api/batches/{batch.json()['id']}").status_code == 200  # its own uploads
            assert client.get("/api/batches/nope").status_code == 404
        with web.client(payer) as client:
            pushed = client.post("/api/payments", json={"payments": [PAYMENT]})
            assert pushed.status_code == 200 and pushed.json()["imported"] == 1

        relance(data_dir, "users", "set-role", FINANCE_USER, "viewer")  # a role lowered narrows its tokens
        with web.client(uploader) as client:
            demoted = client.post("/api/documents", files=upload)
            assert demoted.status_code == 403
            assert (
                demoted.json()["message"]
                == f"{FINANCE_USER} is viewer now: the scope documents needs finance"
            )

        reader_id = next(
            t["id"] for t in json.loads(relance(data_dir, "tokens", "list", "--json")) if t["user"] == VIEWER
        )
        relance(data_dir, "tokens", "revoke", str(reader_id))
        with web.client(reader) as client:
            revoked = client.get("/api/invoices")
            assert (
                revoked.status_code == 401
                and revoked.json()["message"] == f"API token {reader_id} was revoked"
            )

        relance(data_dir, "users", "remove", FINANCE_USER)  # their tokens go with them
        with web.client(payer) as client:
            assert client.post("/api/payments", json={"payments": [PAYMENT]}).status_code == 401
    listed = json.loads(relance(data_dir, "tokens", "list", "--all", "--json"))
    assert [(t["user"], t["last_used_at"] is not None, t["revoked_at"] is not None) for t in listed] == [
        (VIEWER, True, True)
    ]
    assert "was revoked already" in relance_refused(data_dir, "tokens", "revoke", str(reader_id))


def test_the_openapi_schema_describes_every_route_with_its_models(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from agent.web.app import create_app

    runtime = open_runtime(tmp_path / "data")
    schema = TestClient(create_app(runtime)).get("/api/openapi.json").json()
    runtime.engine.dispose()
    expected = {
        ("/api/documents", "post"): "BatchStatus",
        ("/api/batches/{batch_id}", "get"): "BatchStatus",
        ("/api/invoices", "get"): "InvoicePage",
        ("/api/invoices/{invoice_id}", "get"): "InvoiceDetail",
        ("/api/schedule", "get"): "SchedulePage",
        ("/api/accounts", "get"): "AccountPage",
        ("/api/payments", "post"): "PaymentsAnswer",
    }
    for (path, method), model in expected.items():
        operation = schema["paths"][path][method]
        answers = operation["responses"]
        success = answers["202" if method == "post" and path == "/api/documents" else "200"]
        assert success["content"]["application/json"]["schema"]["$ref"] == f"#/components/schemas/{model}"
        assert (
            answers["401"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ApiError"
        )
        assert operation["security"] == [{"HTTPBearer": []}]
        assert model in schema["components"]["schemas"]
    upload = schema["paths"]["/api/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert upload["schema"]["properties"]["files"]["items"] == {"type": "string", "format": "binary"}
    payments = schema["paths"]["/api/payments"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert set(payments["properties"]["payments"]["items"]["required"]) == {
        "id",
        "date",
        "amount",
        "currency",
    }
