"""A conversation's dialogue states, replayed once per message instead of once per policy call.

To predict an action, Rasa's policies turn the conversation into one state per turn
(`Domain.states_for_tracker_history`): a fresh tracker replays every event and the state is
read before each action. RulePolicy does so once or twice a prediction (MemoizationPolicy, since
dropped, once more), and a message takes two or more predictions: 22 % of answering a message
in process (cProfile, 5-turn conversations), growing with the conversation.

Here each tracker keeps, per set of arguments, its replay: the events replayed so far, the
replaying tracker and the states read before each of those events' actions. The next call on
the same tracker replays only the events added since, as long as the events Rasa applies
(`applied_events`, after reverts and restarts) still begin with the ones replayed; otherwise it
replays from the start, as Rasa does. The steps are Rasa's, and each call returns its own copy
of the states (callers edit them in place), so the states are the ones Rasa's code gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

RASA_STATES_FOR_TRACKER_HISTORY = Domain.__dict__["states_for_tracker_history"]
REPLAYS = "_aluma_replays"  # on a tracker: arguments -> Replay


@dataclass
class Replay:
    tracker: DialogueStateTracker  # after `events`
    events: list[Event] = field(default_factory=list)
    states: list[State] = field(default_factory=list)  # read before each action in `events`
    last_ml_action: dict[str, Any] | None = None  # Rasa's `last_ml_action_sub_state`
    turn_was_hidden: bool = False

    def continues(self, applied: list[Event]) -> bool:
        done = len(self.events)
        return done <= len(applied) and all(
            a is b for a, b in zip(self.events, applied, strict=False)
        )


@dataclass(frozen=True)
class Arguments:
    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_data: dict[str, Any] | None


def read_state(
    domain: Domain, replay: Replay, hide_rule_turn: bool, args: Arguments, keep: bool
) -> State | None:
    """One pass of the loop in Rasa's `states_for_tracker_history` at the replay's position;
    `keep` records its state and carried values on the replay, else they are left as they were.
    """
    tracker, last_ml_action, turn_was_hidden = (
        replay.tracker,
        replay.last_ml_action,
        replay.turn_was_hidden,
    )
    state: State | None = None
    if args.ignore_rule_only_turns:
        if not turn_was_hidden:
            last_ml_action = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            turn_was_hidden = hide_rule_turn
    if not (args.ignore_rule_only_turns and turn_was_hidden):
        state = domain.get_active_state(tracker, omit_unset_slots=args.omit_unset_slots)
        if args.ignore_rule_only_turns:
            domain._remove_rule_only_features(state, args.rule_only_data)
            if replay.states:
                domain._substitute_rule_only_user_input(state, replay.states[-1])
            if last_ml_action:
                state[PREVIOUS_ACTION] = last_ml_action
        state = domain._clean_state(state)
    if keep:
        replay.last_ml_action, replay.turn_was_hidden = last_ml_action, turn_was_hidden
        if state is not None:
            replay.states.append(state)
    return state


def copied(states: list[State]) -> list[State]:
    """Each state and sub-state copied, sub-states shared between states still shared."""
    copies: dict[int, Any] = {}

    def copy(sub_state: Any) -> Any:
        if not isinstance(sub_state, dict):
            return sub_state
        kept = copies.get(id(sub_state))
        if kept is None:
            kept = copies[id(sub_state)] = dict(sub_state)
        return kept

    return [{kind: copy(sub_state) for kind, sub_state in state.items()} for state in states]


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    args = Arguments(omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    key = (id(self), omit_unset_slots, ignore_rule_only_turns, repr(rule_only_data))
    replays: dict[Any, Replay] = tracker.__dict__.setdefault(REPLAYS, {})
    applied = tracker.applied_events()
    replay = replays.get(key)
    if replay is None or not replay.continues(applied):
        replay = replays[key] = Replay(tracker.init_copy())
    for event in applied[len(replay.events) :]:
        if isinstance(event, ActionExecuted):
            read_state(self, replay, event.hide_rule_turn, args, keep=True)
        replay.tracker.update(event)
        replay.events.append(event)
    last = read_state(self, replay, False, args, keep=False)
    return copied(replay.states + ([last] if last is not None else []))


def install() -> None:
    Domain.states_for_tracker_history = states_for_tracker_history
