"""`bot report unanswered` and `bot report summary` on a tracker store seeded through Rasa's own
SQLTrackerStore (the same table and columns a running server writes)."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.reports import conversations, grouping, privacy, store, summary, unanswered
from tests.conftest import ROOT

ZONE = ZoneInfo("America/Los_Angeles")
NOW = time.time()
DAY = 86400.0

# Contact details and names the visitors typed; none may appear in a report.
PERSONAL = ("Maria Garcia", "maria.garcia@gmail.com", "503 555 0188", "jo@example.org", "Okafor")

Step = tuple[Any, ...]


def user(text: str, intent: str, topic: str | None = None) -> Step:
    return ("user", text, intent, topic)


def act(*names: str) -> Step:
    return ("actions", *names)


def slot(name: str, value: Any) -> Step:
    return ("slot", name, value)


def form(name: str | None) -> Step:
    return ("form", name)


OFFER_DECLINED = [act("utter_not_in_article", "action_offer_handoff")]
CONVERSATIONS: dict[str, tuple[float, list[Step]]] = {
    # sender: (days ago, steps)
    "parking-1": (
        1,
        [
            user("hi", "greet"),
            act("utter_greet"),
            user("is there parking near the clinic?", "not_in_article", "not_in_article/other"),
            *OFFER_DECLINED,
            user("no thanks", "deny"),
            act("utter_offer_declined"),
        ],
    ),
    "parking-2-handoff": (
        2,
        [
            user("where can I park my car", "nlu_fallback"),
            act("utter_fallback", "action_offer_handoff"),
            slot("pending_question", "where can I park my car"),
            user("yes please", "affirm"),
            act("action_prepare_handoff", "handoff_form"),
            form("handoff_form"),
            slot("requested_slot", "handoff_name"),
            user("Maria Garcia", "nlu_fallback"),
            act("handoff_form"),
            slot("handoff_name", "Maria Garcia"),
            slot("requested_slot", "handoff_contact"),
            user("maria.garcia@gmail.com", "inform"),
            act("handoff_form"),
            slot("handoff_contact", "maria.garcia@gmail.com"),
            slot("requested_slot", "handoff_consent"),
            user("yes", "affirm"),
            act("handoff_form"),
            form(None),
            slot("requested_slot", None),
            act("action_submit_handoff"),
            slot("handoff_status", "stored"),
            act("utter_handoff_result"),
        ],
    ),
    "parking-3-and-price": (
        1,
        [
            user("parking?", "nlu_fallback"),
            act("utter_fallback", "action_offer_handoff"),
            user("how much does botox for rosacea cost", "not_in_article", "not_in_article/price"),
            *OFFER_DECLINED,
            user("how much does it cost per session", "not_in_article", "not_in_article/price"),
            *OFFER_DECLINED,
            user("how long does it last", "faq", "faq/duration"),
            act("utter_faq"),
        ],
    ),
    "asked-staff": (
        0,
        [
            user("can someone from the clinic contact me", "request_handoff"),
            act("action_prepare_handoff", "handoff_form"),
            form("handoff_form"),
            slot("requested_slot", "handoff_question"),
            user("Can I bring my dog? Call me on 503 555 0188", "nlu_fallback"),
            act("handoff_form"),
            slot("handoff_question", "Can I bring my dog? Call me on 503 555 0188"),
            slot("requested_slot", "handoff_name"),
            user("Dr Okafor", "inform"),
            act("handoff_form"),
            slot("handoff_name", "Dr Okafor"),
            slot("requested_slot", "handoff_contact"),
            user("what's the dose?", "faq", "faq/dose"),  # an FAQ asked mid-form is answered
            act("utter_faq", "handoff_form"),
        ],
    ),
    "contact-out-of-context": (
        0,
        [
            user("my email is jo@example.org", "inform"),
            act("utter_fallback", "action_offer_handoff"),
        ],
    ),
    "weather": (
        3,
        [
            user("what's the weather like tomorrow", "out_of_scope"),
            act("utter_out_of_scope", "action_offer_handoff"),
            user("what's the weather like in portland", "out_of_scope"),
            act("utter_out_of_scope", "action_offer_handoff"),
        ],
    ),
    "emergency": (
        0,
        [
            user("I had botox and now I can't breathe", "emergency"),
            act("utter_emergency", "action_offer_handoff"),
        ],
    ),
    "long-ago": (
        45,
        [
            user("is there valet parking", "nlu_fallback"),
            act("utter_fallback", "action_offer_handoff"),
        ],
    ),
}


def _events(days_ago: float, steps: Sequence[Step]) -> list[Any]:
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    clock = NOW - days_ago * DAY - 600
    events: list[Any] = [
        ActionExecuted("action_session_start", timestamp=clock),
        SessionStarted(timestamp=clock),
        ActionExecuted("action_listen", timestamp=clock),
    ]
    for step in steps:
        clock += 5
        if step[0] == "user":
            _, text, intent, topic = step
            parsed: dict[str, Any] = {"name": intent, "confidence": 0.9}
            if topic:
                parsed["full_retrieval_intent_name"] = topic
            events.append(
                UserUttered(
                    text,
                    parsed,
                    parse_data={"intent": parsed, "entities": [], "text": text},
                    timestamp=clock,
                )
            )
        elif step[0] == "actions":
            events += [ActionExecuted(name, timestamp=clock) for name in step[1:]]
            events.append(ActionExecuted("action_listen", timestamp=clock + 1))
        elif step[0] == "slot":
            events.append(SlotSet(step[1], step[2], timestamp=clock))
        elif step[0] == "form":
            events.append(ActiveLoop(step[1], timestamp=clock))
    return events


def seed(path: Path, conversations_: dict[str, tuple[float, list[Step]]]) -> str:
    """A tracker store written by Rasa's SQLTrackerStore; returns its SQLAlchemy URL."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker_store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))

    async def save_all() -> None:
        for sender, (days_ago, steps) in conversations_.items():
            events = _events(days_ago, steps)
            tracker = DialogueStateTracker.from_events(sender, events, domain.slots)
            await tracker_store.save(tracker)

    asyncio.run(save_all())
    tracker_store.engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def background() -> list[str]:
    """The training examples, whose statistics weigh the grouping (as `bot report` does)."""
    from bot.editor.project import Files, Project
    from bot.editor.snapshot import Snapshot

    return [e.text for e in Snapshot(Files(Project(ROOT))).examples]


@pytest.fixture(scope="module")
def tracker_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seed(tmp_path_factory.mktemp("tracker") / "tracker.db", CONVERSATIONS)


def _report(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert cli.main(["report", *argv]) == 0
    return capsys.readouterr().out


def test_unanswered_questions_are_grouped_with_counts(
    tracker_db: str, background: list[str]
) -> None:
    since = NOW - 30 * DAY
    talks = list(conversations.conversations(store.read_events(tracker_db, since)))
    found = unanswered.groups(unanswered.unanswered(talks, since), background=background)
    by_example = {g.example: g for g in found}
    parking = next(g for g in found if "parking" in g.example or "park" in g.example)
    assert {w for w, _ in parking.wordings} == {
        "is there parking near the clinic?",
        "where can I park my car",
        "parking?",
    }
    assert parking.count == 3 and found[0] is parking  # the biggest group comes first
    price = next(g for g in found if "cost" in g.example)
    assert price.count == 2 and price.kinds == ["not in the article (price)"]
    weather = next(g for g in found if "weather" in g.example)
    assert weather.count == 2 and weather.kinds == ["out of scope"]
    assert by_example["I had botox and now I can't breathe"].kinds == ["emergency message"]
    asked = next(g for g in found if "dog" in g.example)
    assert asked.example == "Can I bring my dog? Call me on [phone]"
    assert asked.kinds == ["asked staff"]
    assert sum(g.count for g in found) == 9


def test_answered_questions_form_answers_and_old_messages_are_left_out(tracker_db: str) -> None:
    since = NOW - 30 * DAY
    talks = list(conversations.conversations(store.read_events(tracker_db, since)))
    texts = {a.text for a in unanswered.unanswered(talks, since)}
    for left_out in ("how long does it last", "what's the dose?", "yes please", "no thanks"):
        assert left_out not in texts
    assert "is there valet parking" not in texts  # 45 days ago
    recent = NOW - 30 * DAY
    assert all(a.timestamp >= recent for a in unanswered.unanswered(talks, since))
    week = NOW - 90 * DAY
    talks = list(conversations.conversations(store.read_events(tracker_db, week)))
    assert "is there valet parking" in {a.text for a in unanswered.unanswered(talks, week)}


def test_no_contact_details_in_the_report_or_its_csv(
    tracker_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "unanswered.csv"
    printed = _report(capsys, "unanswered", "--tracker-db", tracker_db, "--csv", str(out))
    written = out.read_text()
    for secret in PERSONAL:
        assert secret not in printed and secret not in written
    assert "9 messages in" in printed and "parking" in printed
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["count"] == "3" and "where can I park my car" in rows[0]["wordings"]
    assert {r["why"] for r in rows} >= {"out of scope", "asked staff"}


def test_days_option_narrows_the_report(
    tracker_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = _report(capsys, "unanswered", "--tracker-db", tracker_db, "--days", "1")
    # Within a day: "is there parking" (1 day ago minus minutes is > 1 day) is out, the
    # conversations of today are in.
    assert "dog" in printed and "breathe" in printed
    assert "weather" not in printed and "how much does" not in printed


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [
        ("email me at sam.lee+rosacea@mail.co.uk", [], "email me at [email]"),
        ("sam at example dot com", [], "[email]"),
        ("call (503) 555-0188 or +1 971 555 0100", [], "call [phone] or [phone]"),
        ("my name is Sam Lee and I'm Asian", [], "my name is [name] and I'm [name]"),
        (
            "this is Maria, can Maria Garcia come in",
            ["Maria Garcia"],
            "this is [name], can [name] come in",
        ),
        ("will it hurt, Will asked", ["Will"], "will it hurt, [name] asked"),
        ("how many units of botox", [], "how many units of botox"),
    ],
)
def test_scrubbing(text: str, known: list[str], expected: str) -> None:
    assert privacy.scrub(text, known) == expected


@pytest.mark.parametrize("with_background", [True, False])
def test_grouping_keeps_different_questions_apart(
    background: list[str], with_background: bool
) -> None:
    texts = [
        "is there parking",
        "where do I park",
        "parking near the clinic?",
        "do you take insurance",
        "is it covered by insurance",
        "how much does it cost",
    ]
    groups = grouping.group(texts, background=background if with_background else ())
    as_sets = [{texts[i] for i in g} for g in groups]
    assert {"is there parking", "where do I park", "parking near the clinic?"} in as_sets
    assert {"do you take insurance", "is it covered by insurance"} in as_sets
    assert {"how much does it cost"} in as_sets


def test_summary_counts_per_day_and_draws_a_chart(
    tracker_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "summary.png"
    out = tmp_path / "summary.csv"
    printed = _report(
        capsys,
        "summary",
        "--tracker-db",
        tracker_db,
        "--days",
        "7",
        "--chart",
        str(chart),
        "--csv",
        str(out),
    )
    rows = {r["day"]: r for r in csv.DictReader(out.open())}
    assert len(rows) == 7
    totals = {c: sum(int(r[c]) for r in rows.values()) for c in summary.COLUMNS}
    # 7 conversations in the week; FAQ answers: one directly, one in the form; fallbacks:
    # parking x3, price x2, weather x2; one handoff stored.
    assert totals == {"conversations": 7, "answered": 2, "fallbacks": 7, "handoffs": 1}
    two_days_ago = (datetime.fromtimestamp(NOW - 2 * DAY - 600, ZONE)).date().isoformat()
    assert rows[two_days_ago]["handoffs"] == "1"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000
    import matplotlib.image

    height, width = matplotlib.image.imread(str(chart)).shape[:2]
    assert (width, height) == (1000, 450)
    assert f"Chart: {chart}" in printed and "total" in printed


def test_tracker_store_location_comes_from_endpoints_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "endpoints.yml").write_text(
        "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: var/tracker.db\n"
    )
    monkeypatch.delenv("BOT_TRACKER_DB_URL", raising=False)
    assert store.resolve_url(tmp_path) == f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    (tmp_path / "endpoints.yml").write_text(  # ours, as endpoints.yml has it
        "tracker_store:\n  type: bot.storage.tracker_store.DurableSQLTrackerStore\n"
        "  dialect: sqlite\n  db: var/tracker.db\n"
    )
    assert store.resolve_url(tmp_path) == f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    monkeypatch.setenv("BOT_TRACKER_DB_URL", "postgresql://u:p@db/rasa")
    assert store.resolve_url(tmp_path) == "postgresql://u:p@db/rasa"
    assert store.resolve_url(tmp_path, "sqlite:////x.db") == "sqlite:////x.db"
    (tmp_path / "endpoints.yml").write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.internal\n  port: 5432\n"
        "  db: rasa\n  username: rasa\n  password: ${TRACKER_PW}\n"
    )
    monkeypatch.delenv("BOT_TRACKER_DB_URL")
    monkeypatch.setenv("TRACKER_PW", "s3cret")
    assert store.resolve_url(tmp_path) == "postgresql://rasa:s3cret@db.internal:5432/rasa"


def test_a_missing_tracker_store_is_reported_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.db"
    assert cli.main(["report", "unanswered", "--tracker-db", f"sqlite:///{missing}"]) == 1
    assert "no conversations yet" in capsys.readouterr().out
    assert not missing.exists()
    assert timedelta(days=1).days == 1
