"""`bot audit export --since`: the audit log as CSV, from the clinic's midnight, logged itself."""

from __future__ import annotations

import csv
import io
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot import cli
from bot.handoffs.store import HandoffStore
from bot.staff import audit

MIDNIGHT_IN_PORTLAND = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)  # PST is UTC-8


def fill(store: HandoffStore) -> None:
    with store.engine.begin() as conn:
        before = datetime(
            2026, 11, 24, 7, 59, 59, tzinfo=timezone.utc
        )  # 11:59:59 PM the day before
        audit.record(conn, "nurse@aluma.test", "viewed", before, "AL-AAAAAA")
        audit.record(conn, "nurse@aluma.test", "logged_in", MIDNIGHT_IN_PORTLAND)
        audit.record(
            conn,
            "nurse@aluma.test",
            "answered",
            datetime(2026, 11, 25, tzinfo=timezone.utc),
            "AL-BBBBBB",
            "emailed",
        )
        # Whatever someone typed as the email of a failed login: a spreadsheet must not run it.
        audit.record(conn, '=HYPERLINK("http://evil.example")', "locked_out", MIDNIGHT_IN_PORTLAND)


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_since_a_day_writes_that_days_entries_on_as_csv_and_logs_the_export(
    store: HandoffStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TIMEZONE", "America/Los_Angeles")
    fill(store)
    assert cli.main(["audit", "export", "--since", "2026-11-24"]) == 0
    rows = read(capsys.readouterr().out)
    assert [r["action"] for r in rows] == ["logged_in", "answered", "locked_out"]
    assert list(rows[0]) == list(audit.CSV_COLUMNS)
    assert rows[0]["at_utc"] == "2026-11-24T08:00:00+00:00"
    assert rows[1] == {
        "id": rows[1]["id"],
        "at_utc": "2026-11-25T00:00:00+00:00",
        "staff_email": "nurse@aluma.test",
        "action": "answered",
        "reference": "AL-BBBBBB",
        "detail": "emailed",
    }
    assert rows[2]["staff_email"] == '\'=HYPERLINK("http://evil.example")'
    [logged] = [e for e in audit.entries(store.engine) if e.action == "audit_exported"]
    assert logged.staff_email.startswith("cli:")
    assert logged.detail == "since 2026-11-24T00:00:00-08:00, 3 entries"


def test_export_to_a_file_is_readable_by_its_owner_only(
    store: HandoffStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(store)
    out = tmp_path / "audit.csv"
    assert cli.main(["audit", "export", "--since", "2026-11-20", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = read(out.read_text())
    assert [r["action"] for r in rows] == ["viewed", "logged_in", "answered", "locked_out"]
    assert "Wrote 4 audit entries since 2026-11-20" in capsys.readouterr().err
    # The second export includes the first one's entry.
    assert cli.main(["audit", "export", "--since", "2026-11-20", "--out", str(out)]) == 0
    assert read(out.read_text())[-1]["action"] == "audit_exported"


def test_a_malformed_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["audit", "export", "--since", "24/11/2026"])
    assert "not a date (YYYY-MM-DD)" in capsys.readouterr().err
