"""Staff learn which language to answer in: the visitor's, as the assistant decided it."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from bot.delivery.scheduler import Jobs
from bot.handoffs.contact import Contact
from bot.handoffs.store import Handoff, HandoffStore, NewHandoff
from bot.handoffs.transcript import visitor_language
from tests.local_servers import SmtpSink, body
from tests.test_delivery import ASKED, settings_for

SPANISH_TRANSCRIPT: list[dict[str, Any]] = [
    {"role": "visitor", "text": "cuanto cuesta el botox para la rosacea?", "at": None},
    {"role": "assistant", "text": "No tengo los precios.", "at": None},
    {"role": "visitor", "text": "si", "at": None},
    {"role": "visitor", "text": "Ana Ruiz", "at": None},
]


@pytest.mark.parametrize(
    ("question", "transcript", "expected"),
    [
        ("cuanto cuesta el botox?", SPANISH_TRANSCRIPT, "es"),
        ("how much is it?", [], "en"),
        # The question tells nothing; the conversation does.
        ("botox?", SPANISH_TRANSCRIPT, "es"),
        # A visitor who switched to English last is answered in English.
        ("cuanto cuesta?", [{"role": "visitor", "text": "can you call me in the morning"}], "en"),
        ("ok", [], "en"),
    ],
)
def test_the_visitors_language_is_their_last_message_that_tells(
    question: str, transcript: list[dict[str, Any]], expected: str
) -> None:
    assert visitor_language(question, transcript) == expected


def staff_email(
    store: HandoffStore,
    db_url: str,
    question: str,
    transcript: list[dict[str, Any]],
    language: str = "",
    details: str = "minimal",
) -> tuple[EmailMessage, Handoff]:
    """The one staff email a stored handoff gets (its language recorded first, if given)."""
    from bot.handoffs import language as languages

    smtp = SmtpSink().start()
    try:
        stored = store.add(
            NewHandoff(
                sender_id=f"visitor-{question[:8]}",
                submission_key=question[:16],
                name="Ana Ruiz",
                contact=Contact("email", "ana@example.com"),
                question=question,
                transcript=transcript,
                page_url=None,
            ),
            now=ASKED,
        )
        if language:
            languages.record(store.engine, stored.id, language)
        Jobs(store.engine, settings_for(db_url, smtp.port, details=details)).run_once(ASKED)
        [mail] = smtp.wait_for(1)
    finally:
        smtp.stop()
    return mail, stored


def test_the_minimal_staff_email_names_the_language_and_nothing_they_wrote(
    store: HandoffStore, db_url: str
) -> None:
    question = "cuanto cuesta el botox para la rosacea?"
    mail, _ = staff_email(store, db_url, question, SPANISH_TRANSCRIPT)
    text, html = body(mail, "plain"), body(mail, "html")
    assert "Language:  Spanish (the visitor wrote in Spanish; please reply in Spanish)" in text
    assert "Spanish (please reply in Spanish)" in html
    for private in ("Ana Ruiz", "ana@example.com", "cuesta", "precios"):
        assert private not in text and private not in html


def test_the_language_recorded_with_the_handoff_wins_over_its_words(
    store: HandoffStore, db_url: str
) -> None:
    """A visitor whose conversation was in Spanish may type their question in English words."""
    from bot.handoffs import language

    mail, stored = staff_email(store, db_url, "botox ok with isotretinoin?", [], language="es")
    assert "Language:  Spanish" in body(mail, "plain")
    assert language.name_for(store.engine, stored) == "Spanish"


def test_a_full_email_names_the_staff_who_wrote_in_a_live_chat(
    store: HandoffStore, db_url: str
) -> None:
    transcript = [
        {"role": "visitor", "text": "can I come on saturday?", "at": None},
        {"role": "staff", "text": "Let me check", "at": None, "staff": "Maria"},
    ]
    mail, _ = staff_email(store, db_url, "can I come on saturday?", transcript, details="full")
    assert "Maria (staff): Let me check" in body(mail, "plain")
