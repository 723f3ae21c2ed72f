"""Live chat's parts that need no model or server: office hours, the queue's one-taker rule,
resuming a stream by message id, what "talk to a person" gets, and suggested answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.handoffs.store import HandoffStore
from bot.live import sse
from bot.live import store as live
from bot.live.config import LiveConfig
from bot.live.hours import OfficeHours
from bot.live.hub import Hub
from bot.live.offer import decide
from bot.live.purge import purge_live_chats
from bot.live.suggestions import suggest
from bot.live.takeover import Live
from bot.live.tracker import Tracker

PORTLAND = ZoneInfo("America/Los_Angeles")
HOURS = OfficeHours.parse(
    "Mon-Fri 09:00-17:00; Sat 10:00-14:00", "2026-12-25", "America/Los_Angeles"
)


HOURS_ALWAYS = OfficeHours.parse("Mon-Sun 00:00-24:00", zone="America/Los_Angeles")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 in Portland: the 7th is a Monday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=PORTLAND)


def test_office_hours_follow_the_clinic_zone_and_closed_days() -> None:
    assert HOURS.configured
    assert HOURS.is_open(at(7, 9)) and HOURS.is_open(at(7, 16, 59))
    assert not HOURS.is_open(at(7, 17)) and not HOURS.is_open(at(7, 8, 59))
    assert HOURS.is_open(at(12, 10)) and not HOURS.is_open(at(12, 14))  # Saturday
    assert not HOURS.is_open(at(13, 12))  # Sunday
    assert not HOURS.is_open(at(25, 12))  # a closed Friday
    # 17:30 UTC on Monday is 09:30 in Portland.
    assert HOURS.is_open(datetime(2026, 12, 7, 17, 30, tzinfo=timezone.utc))


def test_no_schedule_means_no_live_chat_and_wrapping_days_work() -> None:
    assert not OfficeHours.parse("").configured
    assert not OfficeHours.parse("").is_open(at(7, 12))
    weekend = OfficeHours.parse("Fri-Mon 00:00-24:00", zone="America/Los_Angeles")
    assert weekend.is_open(at(13, 23, 59)) and weekend.is_open(at(7, 0))
    assert not weekend.is_open(at(8, 12))


@pytest.mark.parametrize(
    ("schedule", "closed", "says"),
    [
        ("Mon-Fri 9-5", "", "cannot read 'mon-fri 9-5'"),
        ("Mon-Fry 09:00-17:00", "", "cannot read"),
        ("Mon 17:00-09:00", "", "closes before it opens"),
        ("Mon 09:00-25:00", "", "is not a time of day"),
        ("Mon 09:00-17:00", "25/12/2026", "BOT_CLOSED_DAYS: '25/12/2026' is not a date"),
    ],
)
def test_a_wrong_schedule_is_refused_with_a_clear_message(
    schedule: str, closed: str, says: str
) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(")):
        OfficeHours.parse(schedule, closed)


def test_live_wait_seconds_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_LIVE_WAIT_SECONDS", "0")
    with pytest.raises(ValueError, match="BOT_LIVE_WAIT_SECONDS"):
        LiveConfig.from_env()


def test_only_one_member_of_staff_takes_a_chat(store: HandoffStore) -> None:
    now = datetime.now(timezone.utc)
    chat = live.enqueue(store.engine, "visitor-1", now, "en", "https://x.test/", "q")
    assert chat.state == "waiting"
    assert live.take(store.engine, chat.id, "maria@aluma.test", now)
    assert not live.take(store.engine, chat.id, "jo@aluma.test", now)
    taken = live.get(store.engine, chat.id)
    assert taken is not None and taken.state == "live" and taken.taken_by == "maria@aluma.test"
    # Asking again while it is live finds the same chat rather than queueing another.
    assert live.enqueue(store.engine, "visitor-1", now).id == chat.id


def test_a_stream_resumes_after_the_last_id_without_loss_or_repeat(store: HandoffStore) -> None:
    now = datetime.now(timezone.utc)
    engine = store.engine
    chat = live.enqueue(engine, "visitor-1", now)
    ids = [live.add_message(engine, chat, "staff", f"m{i}", now, "Maria") for i in range(5)]
    first = live.messages_after(engine, 0, sender_id=chat.sender_id)[:2]
    rest = live.messages_after(engine, first[-1].id, sender_id=chat.sender_id)
    assert [m.text for m in first + rest] == [f"m{i}" for i in range(5)]
    assert [m.id for m in first + rest] == ids == sorted(ids)
    assert (
        sse.last_id("3", "1") == 3 and sse.last_id(None, "1") == 1 and sse.last_id("x", None) == 0
    )
    assert live.messages_after(engine, 0, sender_id="someone else") == []


def test_talk_to_a_person_gets_live_chat_only_when_open_and_staffed(store: HandoffStore) -> None:
    engine = store.engine
    monday_noon = at(7, 12).astimezone(timezone.utc)
    config = LiveConfig(hours=HOURS, wait_seconds=120)

    def offer(sender: str, when: datetime = monday_noon) -> tuple[bool, str]:
        found = decide(engine, config, sender, when, "en", None, "a question")
        return found.chat is not None, found.words

    assert decide(engine, LiveConfig(), "v0", monday_noon, "en", None, None).words == ""
    assert offer("v1") == (
        False,
        "Nobody from our team is online right now; leave your "
        "question and we will get back to you within 24 hours.",
    )
    live.set_online(engine, "maria@aluma.test", True, monday_noon)
    queued, said = offer("v2")
    assert queued and "within 2 minutes" in said
    assert offer("v3", at(13, 12).astimezone(timezone.utc))[1].startswith("Our office is closed")
    # A staff member whose inbox went quiet no longer counts as online.
    assert offer("v4", monday_noon + timedelta(minutes=5))[0] is False
    es = decide(engine, config, "v5", monday_noon, "es", None, None)
    assert es.chat is not None and es.chat.language == "es" and "en línea" in es.words


def test_suggested_answers_come_from_the_faq_in_the_visitor_language() -> None:
    english = suggest("how long does botox last for rosacea", "en")
    assert english and "three months" in english[0]["text"]
    spanish = suggest("¿cuánto tiempo dura el efecto del botox?", "es")
    assert spanish and spanish[0]["language"] == "es" and "tres meses" in spanish[0]["text"]
    assert suggest("!!!", "en") == []


def test_ended_live_chats_are_purged_after_retention_active_ones_never(
    store: HandoffStore,
) -> None:
    engine = store.engine
    long_ago = datetime.now(timezone.utc) - timedelta(days=100)
    ended = live.enqueue(engine, "visitor-old", long_ago)
    live.add_message(engine, ended, "visitor", "my private question", long_ago)
    assert live.end(engine, ended.id, "form", "timeout", long_ago)
    waiting = live.enqueue(engine, "visitor-waiting", long_ago)
    assert purge_live_chats(engine, datetime.now(timezone.utc), 90) == 1
    assert live.get(engine, ended.id) is None
    assert live.messages_after(engine, 0, sender_id="visitor-old") == []
    assert live.get(engine, waiting.id) is not None


def test_a_staff_turn_in_the_tracker_is_the_staffs_in_any_transcript() -> None:
    from bot.handoffs.transcript import transcript_from_events
    from bot.live.cases import transcript_with_staff

    events: list[dict[str, Any]] = [
        {"event": "user", "text": "can someone help", "timestamp": 1.0},
        {"event": "bot", "text": "Hi, Maria here", "metadata": {"staff": "Maria"}},
        {"event": "bot", "text": "I can answer that"},
    ]
    expected = [("visitor", None), ("staff", "Maria"), ("assistant", None)]
    for transcript in (transcript_from_events(events), transcript_with_staff(events)):
        assert [(t["role"], t.get("staff")) for t in transcript] == expected
    many = [{"event": "user", "text": f"message {n}"} for n in range(300)]
    assert len(transcript_from_events(many)) == 200 and len(transcript_with_staff(many)) == 300


class RecordingRasa(Tracker):
    """Rasa's side as the takeover sees it: what it was asked, and the form's first question."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def resume(self, sender: str, slots: dict[str, Any] | None = None) -> None:
        self.calls.append(("resume", slots))

    async def trigger(self, sender: str, intent: str) -> list[dict[str, Any]]:
        self.calls.append(("trigger", intent))
        return [{"text": "What name should our staff use for you?"}]

    async def staff_said(self, sender: str, text: str, name: str) -> None:
        self.calls.append(("staff_said", text))


async def test_a_chat_whose_staff_member_is_gone_becomes_the_form_with_nothing_lost(
    store: HandoffStore,
) -> None:
    engine, rasa = store.engine, RecordingRasa()
    takeover = Live(engine, LiveConfig(HOURS_ALWAYS, presence_seconds=45.0), Hub(), rasa)
    start = datetime.now(timezone.utc)
    live.set_online(engine, "maria@aluma.test", True, start)
    queued = live.enqueue(
        engine, "visitor-1", start, "en", "https://x.test/", "can I talk to a nurse"
    )
    assert await takeover.take(queued, "maria@aluma.test", start)
    chat = live.get(engine, queued.id)
    assert chat is not None
    await takeover.visitor_wrote(chat, "is it safe while breastfeeding?", start)
    # Sending a message is being present: 40 s later, no page open, she is still there.
    await takeover.staff_send(
        chat, "maria@aluma.test", "Let me check.", start + timedelta(seconds=40)
    )
    assert await takeover.sweep(start + timedelta(seconds=80)) == 0
    assert live.get(engine, chat.id).state == "live"  # type: ignore[union-attr]

    # Her page closed and nothing since: the visitor is not left waiting on nobody.
    assert await takeover.sweep(start + timedelta(seconds=86)) == 1
    ended = live.get(engine, chat.id)
    assert ended is not None and (ended.state, ended.end_reason) == ("form", "left")
    said = [m.text for m in live.messages_after(engine, 0, chat_id=chat.id)]
    assert "Maria had to leave the chat." in said
    assert "I've kept what you wrote as your question." in said
    assert said[-2] == "What name should our staff use for you?"  # then the stream's end
    resumed = next(slots for call, slots in rasa.calls if call == "resume")
    assert resumed["pending_question"] == "can I talk to a nurse is it safe while breastfeeding?"
    assert ("trigger", "request_handoff") in rasa.calls
    assert await takeover.sweep(start + timedelta(seconds=200)) == 0  # ended once
