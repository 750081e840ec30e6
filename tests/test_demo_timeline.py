"""The demo's timeline tells each event once: a credit or a payment once, with its effect on the balance;
a contact once; a document's confirmation once; a payment by its day, not by the bank row's hash."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from agent.cli.render import told_once


def test_the_demo_tells_each_event_once(tmp_path: Path) -> None:
    shown = CliRunner().invoke(app, ["demo", "--data-dir", str(tmp_path / "demo")])
    assert shown.exit_code == 0, shown.output
    story = shown.stdout.split("Timeline", 1)[1].split("Data directory", 1)[0]
    lines = [line for line in story.splitlines() if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d  ", line)]

    def told(pattern: str) -> list[str]:
        return [line for line in lines if re.search(pattern, line)]

    (credit,) = told(r"of credit note AV-2026-0007 applied")
    assert "balance 2500.00 → 2150.00" in credit
    for invoice, was in (("F-2026-0412", "1440.00"), ("INV-2026-0413", "2150.00")):
        (paid,) = told(rf"of the payment of \d{{4}}-\d\d-\d\d applied to invoice {invoice}")
        assert f"balance {was} → 0.00" in paid and "cancelled" in paid
    assert told(r"pending reminder\(s\) cancelled") == [] and told(r"row:[0-9a-f]") == []
    for email in ("marie.dupont@boulangerie-dupont.fr", "buchhaltung@mueller-maschinenbau.de"):
        assert len(told(rf"Contact .*{re.escape(email)}")) == 1
    assert len(told(r"F-2026-0468.* confirmed by|confirmed by .*F-2026-0468|on task RL-.*: confirmed")) == 1


def test_the_story_folds_only_what_is_told_again() -> None:
    at = "2026-12-10T09:30:00+00:00"
    applied = (
        "1440.00 EUR of payment row:c7e3f0cef48d522f94d305456fc49306 (2026-12-09) applied to invoice F-1"
    )
    trail = [
        {"at": at, "entity": "invoice", "action": "payment_applied", "message": applied},
        {"at": at, "entity": "invoice", "action": "reminders_cancelled", "message": "2 pending reminders"},
        {"at": at, "entity": "invoice", "action": "schedule_changed",
         "message": f"{applied}: balance 1440.00 → 0.00; final_notice: planned → cancelled"},
        {"at": at, "entity": "invoice", "action": "payment_applied", "message": "10.00 EUR of payment x"},
    ]  # fmt: skip
    story = told_once(json.loads(json.dumps(trail)))
    assert [e["action"] for e in story] == ["schedule_changed", "payment_applied"]  # the lone one is kept
    assert story[0]["message"].startswith("1440.00 EUR of the payment of 2026-12-09 applied to invoice F-1")
