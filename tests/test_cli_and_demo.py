"""The `relance` command: the demo's story, and every read command's JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.mail.maildir import MaildirOutbox

PROJECT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")}
    done = subprocess.run(
        [sys.executable, "-m", "agent", "demo", "--data-dir", str(data_dir), "--json"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["data_dir"] == str(data_dir)
    return report


def cli(*args: str) -> Any:
    result = runner.invoke(app, list(args), env={"RELANCE_CONFIG": ""})  # no stray ./relance.toml
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_demo_story(demo: dict[str, Any]) -> None:
    documents = [d for message in demo["inbound"] for d in message["documents"]]
    assert sorted((d["number"], d["kind"], d["status"]) for d in documents) == [
        ("AV-2026-0007", "credit_note", "recorded"),
        ("F-2026-0412", "invoice", "recorded"),
        ("F-2026-0468", "invoice", "recorded"),
        ("INV-2026-0413", "invoice", "recorded"),
        ("R-2026-0414", "invoice", "recorded"),
    ]
    assert {m["status"] for m in demo["inbound"]} == {"processed"}
    assert [(t["kind"], t["status"]) for t in demo["tasks"]] == [("contact_request", "done")] * 3 + [
        ("review", "done"),  # F-2026-0468's due date, which finance gave by reply
        ("plan_end", "open"),  # R-2026-0414: final notice sent, still unpaid two weeks later: finance decides
        ("digest", "done"),  # the weekly digest the demo sends at its end, to show it
    ]
    steps: dict[str, list[tuple[str, str, str]]] = {}
    for reminder in demo["reminders"]:
        steps.setdefault(reminder["invoice"], []).append(
            (reminder["step"], reminder["language"], reminder["state"])
        )
    assert [s[2] for s in steps["F-2026-0412"]] == ["sent", "sent", "sent", "cancelled", "cancelled"]
    assert [s[2] for s in steps["INV-2026-0413"]] == ["sent", "sent", "sent", "cancelled", "cancelled"]
    assert [s[2] for s in steps["R-2026-0414"]] == ["sent"] * 5  # never paid: up to the final notice
    assert [s[2] for s in steps["F-2026-0468"]] == ["planned"] * 5  # still ahead when the demo stops
    assert {s[1] for s in steps["F-2026-0412"]} == {"fr"} and {s[1] for s in steps["INV-2026-0413"]} == {"en"}
    assert {s[1] for s in steps["R-2026-0414"]} == {"de"}
    messages = [e["message"] for e in demo["timeline"]]
    assert any("credit note AV-2026-0007 applied to invoice INV-2026-0413" in m for m in messages)
    assert any(
        "F-2026-0468 confirmed by compta@atelier-numerique.example, corrected: due_date" in m
        for m in messages
    )


def test_demo_sent_each_message_once_and_nothing_after_payment(demo: dict[str, Any]) -> None:
    outbox = MaildirOutbox(Path(demo["data_dir"]) / "outbox").messages()
    ids = Counter(str(m["Message-ID"]) for m in outbox)
    assert max(ids.values()) == 1
    languages = {
        str(m["To"]): str(m["Content-Language"]) for m in outbox if "reminder" in str(m["Message-ID"])
    }
    assert languages == {
        "marie.dupont@boulangerie-dupont.fr": "fr",
        "accounts@northwind-trading.co.uk": "en",
        "buchhaltung@mueller-maschinenbau.de": "de",
    }
    paid_on = {"F-2026-0412": "2026-12-10", "INV-2026-0413": "2026-12-15"}
    for reminder in demo["reminders"]:
        if reminder["invoice"] in paid_on and reminder["sent_at"]:
            assert reminder["sent_at"][:10] < paid_on[reminder["invoice"]]


def test_read_commands_json(demo: dict[str, Any]) -> None:
    data_dir = demo["data_dir"]
    invoices = {i["number"]: i for i in cli("invoices", "--data-dir", data_dir, "--json")}
    assert invoices["F-2026-0412"]["status"] == "paid" and invoices["F-2026-0412"]["balance"] == "0.00"
    assert invoices["INV-2026-0413"]["status"] == "paid" and invoices["INV-2026-0413"]["currency"] == "GBP"
    assert (
        invoices["R-2026-0414"] | {"balance": "3260.00", "status": "open", "due_date": "2026-11-16"}
        == invoices["R-2026-0414"]
    )
    accounts = {a["name"]: a for a in cli("accounts", "--data-dir", data_dir, "--json")}
    assert accounts["Müller Maschinenbau GmbH"]["vat_id"] == "DE271828180"
    assert accounts["Northwind Trading Ltd"]["contact"] == {
        "name": "John Smith",
        "email": "accounts@northwind-trading.co.uk",
        "language": "en",
        "language_inferred": False,
    }
    # Open: only the invoice whose plan ended unpaid (finance decides what next).
    assert [t["kind"] for t in cli("tasks", "--data-dir", data_dir, "--json")] == ["plan_end"]
    assert len(cli("tasks", "--data-dir", data_dir, "--all", "--json")) == 6
    upcoming = cli("schedule", "--data-dir", data_dir, "--now", "2027-01-05T08:30Z", "--days", "20", "--json")
    assert [(r["invoice"], r["step"]) for r in upcoming] == [
        ("F-2026-0468", "courtesy"),
        ("F-2026-0468", "due_today"),
    ]
    assert upcoming[0]["to"] == "marie.dupont@boulangerie-dupont.fr" and upcoming[0]["would_send"]
    assert "640,00" not in upcoming[0]["body"] and "768,00\u00a0€" in upcoming[0]["body"]
    assert upcoming[0]["subject"] == "Rappel : facture F-2026-0468 à échéance le 20 janvier 2027"
    assert upcoming[0]["body"].rstrip().endswith("Atelier Numérique SAS")  # signed by who really sends


def test_schedule_is_a_dry_run(demo: dict[str, Any]) -> None:
    before = len(MaildirOutbox(Path(demo["data_dir"]) / "outbox").messages())
    cli("schedule", "--data-dir", demo["data_dir"], "--now", "2027-03-01T00:00Z", "--days", "60", "--json")
    assert len(MaildirOutbox(Path(demo["data_dir"]) / "outbox").messages()) == before


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["config", "show", "--data-dir", str(tmp_path), "--json"],
        env={
            "RELANCE_DATABASE_URL": "postgresql://relance:hunter2@db.internal/relance",
            "RELANCE_OUTGOING__PASSWORD": "smtp-secret",
            "RELANCE_COMPANY__NAME": "Env Name SA",
            "RELANCE_CONFIG": "/nonexistent/relance.toml",
        },
    )
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.stdout and "smtp-secret" not in result.stdout
    data = json.loads(result.stdout)
    assert data["database_url"] == "postgresql://relance:**********@db.internal/relance"
    assert data["company"]["name"] == "Env Name SA" and data["outgoing"]["password"] == "**********"


def test_toml_file_is_read(tmp_path: Path) -> None:
    config = tmp_path / "relance.toml"
    config.write_text(
        '[company]\nname = "Toml SARL"\ntimezone = "Europe/Berlin"\n'
        '[reminders]\nsend_window_start = "10:00:00"\n'
    )
    result = runner.invoke(app, ["config", "show", "--json"], env={"RELANCE_CONFIG": str(config)})
    data = json.loads(result.stdout)
    assert (data["company"]["name"], data["company"]["timezone"], data["reminders"]["send_window_start"]) == (
        "Toml SARL",
        "Europe/Berlin",
        "10:00:00",
    )


def test_ingest_tick_and_plans_check(tmp_path: Path) -> None:
    from agent.demo.pdfs import render_pdf
    from agent.demo.scenario import demo_documents

    pdf = tmp_path / "F-2026-0412.pdf"
    pdf.write_bytes(render_pdf(demo_documents()["F-2026-0412"]))
    data_dir = str(tmp_path / "data")
    (result,) = cli("ingest", str(pdf), "--data-dir", data_dir, "--now", "2026-11-02T09:00Z", "--json")
    assert result["status"] == "waiting"  # no contact yet: a task went to finance
    assert (
        cli("tasks", "--data-dir", data_dir, "--json")[0]["title"]
        == "Contact needed for Boulangerie Dupont SARL"
    )
    tick = cli("tick", "--data-dir", data_dir, "--now", "2026-11-03T09:00Z", "--json")
    assert tick["at"] == "2026-11-03T09:00:00+00:00" and tick["dispatched"] == []
    checked = runner.invoke(app, ["plans", "check"])
    assert checked.exit_code == 0 and "in order" in checked.stdout


def test_plans_check_refuses_a_missing_translation(tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    workflows.mkdir()
    (workflows / "odd.yaml").write_text(
        "name: odd\nsteps:\n  - {name: a, offset_days: 0, template: nowhere}\n"
    )
    result = runner.invoke(app, ["plans", "check"], env={"RELANCE_WORKFLOWS_DIR": str(workflows)})
    assert result.exit_code == 1
    assert "plan odd, step a: no fr template 'nowhere'" in result.output.replace("\n", "")


def test_demo_refuses_a_used_folder(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("keep me")
    result = runner.invoke(app, ["demo", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "is not empty: the demo needs a new folder" in " ".join(
        result.output.split()
    )
    assert (tmp_path / "something").read_text() == "keep me"


def test_inbox_shows_each_file_of_a_batch(tmp_path: Path) -> None:
    from agent.demo.pdfs import render_pdf
    from agent.demo.scenario import demo_documents

    good = tmp_path / "F-2026-0412.pdf"
    good.write_bytes(render_pdf(demo_documents()["F-2026-0412"]))
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 nothing")
    data_dir = str(tmp_path / "data")
    ingested = cli("ingest", str(good), str(bad), "--data-dir", data_dir, "--json")
    batch = cli("inbox", str(ingested[1]["inbound_id"]), "--data-dir", data_dir, "--json")
    (document,) = batch["documents"]
    assert document["file"] == "scan.pdf" and document["status"] == "failed"
    assert "cannot be read" in document["error"]
    assert len(cli("inbox", "--data-dir", data_dir, "--json")) == 2
    missing = runner.invoke(app, ["inbox", "999", "--data-dir", data_dir])
    assert missing.exit_code == 2 and "no message 999" in missing.output
