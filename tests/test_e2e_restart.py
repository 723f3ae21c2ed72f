"""Conversations are kept in the SQL tracker store and survive a restart of Rasa."""

from __future__ import annotations

import uuid

import pytest

from testkit.servers import Stack, texts

pytestmark = [pytest.mark.model, pytest.mark.servers]


def test_a_form_in_progress_survives_a_restart(stack: Stack) -> None:
    visitor = f"restart-{uuid.uuid4().hex[:8]}"
    stack.say(visitor, "can a staff member get back to me?")
    assert "name" in texts(stack.say(visitor, "Do you offer payment plans?"))
    stack.restart_rasa()
    # The restarted server remembers that it asked for a name.
    assert "email" in texts(stack.say(visitor, "Robin"))
