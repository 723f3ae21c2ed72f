"""The Rasa server's action-response check: Rasa's verdicts and messages, schema checked once."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import services
from bot.rasa_server import action_validation

RASA_VALIDATE = RemoteAction.__dict__["_validate_action_result"]

VALID = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "contact", "value": None, "timestamp": None},
            {"event": "active_loop", "name": "handoff_form", "timestamp": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "What is your email or phone?", "buttons": []}],
    },
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "name": 7, "value": "x"}]},
    {"responses": ["a bare string"]},
    [],
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_submit_handoff", None)


def rasa_verdict(action: RemoteAction, result: Any) -> str:
    try:
        RASA_VALIDATE(action, result)
        return "valid"
    except ValidationError as error:
        return error.message


def our_verdict(action: RemoteAction, result: Any) -> str:
    try:
        action_validation.validate_action_result(action, result)
        return "valid"
    except ValidationError as error:
        return error.message


@pytest.mark.parametrize("result", VALID + INVALID)
def test_verdicts_and_messages_are_rasas(action: RemoteAction, result: Any) -> None:
    expected = rasa_verdict(action, result)
    assert our_verdict(action, result) == expected
    assert (expected == "valid") == (result in VALID)


def test_invalid_response_names_the_docs(action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action_validation.validate_action_result(action, {"events": [{"event": "slot"}]})


def test_install_replaces_rasas_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASA_VALIDATE)
    action_validation.install()
    installed = RemoteAction.__dict__["_validate_action_result"]
    assert installed is action_validation.validate_action_result


def test_every_rasa_server_starts_with_the_fixes(tmp_path: Any) -> None:
    command = services.rasa_command(tmp_path / "m.tar.gz", 5005, tmp_path / "e", tmp_path / "c")
    assert command[1:4] == ["-m", "bot.rasa_server", "run"]
