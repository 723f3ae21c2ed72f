"""A tracker's copy taken from its state, not rebuilt by replaying every event of the conversation.

Before every action Rasa copies the conversation's tracker (`DialogueStateTracker.copy`), so
that a rejected action's events can be thrown away. Its copy is a new tracker that replays each
event of the session from the first: 2.4 % of the server's time at 50 back-to-back visitors in
5-turn conversations (bench/profile.py), and a cost that grows with every turn. In process
(bench/in_process.py --fix tracker_copy), a message of a 5-turn conversation takes as long
either way (8.97 ms, 8.96 ms), one of a 40-turn conversation 17.4 ms with Rasa's copy and
13.6 ms with this one.

A tracker's state is, by Rasa's own rule, what replaying its events gives, so here the copy takes
that state as it stands: the same event objects in a new deque, each slot copied as replaying
copies it, the active loop copied (Rasa marks it interrupted or rejected in place), the latest
message, action and bot utterance, the follow-up action and the pause flag. What the replayed
copy does not carry (sender source, model and assistant ids, anything cached on the tracker),
this one does not carry either. A tracker that drops old events (`max_event_history`), whose
replay would forget state, and any subclass go through Rasa's replay. tests/test_tracker_copy.py
compares both copies on generated event sequences: slots, the handoff form, follow-ups, pauses,
reverts, restarts and new sessions.
"""

from __future__ import annotations

import copy
from collections import deque

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

RASA_COPY = DialogueStateTracker.__dict__["copy"]


def tracker_copy(self: DialogueStateTracker) -> DialogueStateTracker:
    if type(self) is not DialogueStateTracker or self._max_event_history is not None:
        result: DialogueStateTracker = RASA_COPY(self)
        return result
    duplicate = DialogueStateTracker.__new__(DialogueStateTracker)
    state = duplicate.__dict__
    state["_max_event_history"] = None
    state["events"] = deque(self.events)
    state["sender_id"] = self.sender_id or DEFAULT_SENDER_ID  # as init_copy
    # A plain dict, as init_copy makes of any slots, and each slot copied as it does.
    state["slots"] = {slot.name: copy.copy(slot) for slot in self.slots.values()}
    state["sender_source"] = None
    state["is_rule_tracker"] = self.is_rule_tracker
    state["_paused"] = self._paused
    state["followup_action"] = self.followup_action
    state["latest_action"] = dict(self.latest_action) if self.latest_action is not None else None
    latest = self.latest_message
    if latest is not None and not any(event is latest for event in reversed(self.events)):
        latest = UserUttered.empty()  # a new placeholder, as a replay makes (Rasa edits it)
    state["latest_message"] = latest
    state["latest_bot_utterance"] = self.latest_bot_utterance
    state["active_loop"] = copy.copy(self.active_loop)  # marked interrupted or rejected in place
    state["model_id"] = None
    state["assistant_id"] = None
    return duplicate


def install() -> None:
    DialogueStateTracker.copy = tracker_copy
