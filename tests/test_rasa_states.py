"""The dialogue states and rule searches Rasa's policies get are Rasa's own: states replayed
incrementally (bot/rasa_server/incremental_states.py) and rules found through an index
(bot/rasa_server/rule_keys.py), on event sequences of any shape and on the trained rules."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bench.in_process import alike, talk
from bot.evaluation import load_examples
from bot.rasa_server import incremental_states, rule_keys
from testkit.servers import trained_model
from tests.conftest import DATA, ROOT

RASA_STATES = incremental_states.RASA_STATES_FOR_TRACKER_HISTORY

# Our domain has no slot that steers the dialogue; these two make slot states appear too.
EXTRA = """
version: "3.1"
entities: [TREATMENT]
slots:
  returning: {type: bool, influence_conversation: true, mappings: [{type: custom}]}
  skin:
    type: categorical
    values: [dry, oily]
    influence_conversation: true
    mappings: [{type: custom}]
"""
DOMAIN = Domain.load(str(ROOT / "domain.yml")).merge(Domain.from_yaml(EXTRA))
ACTIONS = ["action_listen", "utter_faq", "handoff_form", "action_submit_handoff", "utter_greet"]
RULE_ONLY = [None, {"rule_only_slots": ["skin"], "rule_only_loops": ["handoff_form"]}]


def user(intent: str, with_entity: bool) -> UserUttered:
    entities = [{"entity": "TREATMENT", "value": "botox", "start": 0, "end": 5}]
    return UserUttered(
        "botox?", {"name": intent, "confidence": 1.0}, entities if with_entity else []
    )


events = st.one_of(
    st.builds(user, st.sampled_from(["faq", "greet", "affirm", "deny"]), st.booleans()),
    st.builds(
        lambda name, hide: ActionExecuted(name, hide_rule_turn=hide),
        st.sampled_from(ACTIONS),
        st.booleans(),
    ),
    st.builds(
        SlotSet,
        st.sampled_from(["returning", "skin", "handoff_name"]),
        st.sampled_from([True, "dry", "oily", None, "Ana"]),
    ),
    st.builds(ActiveLoop, st.sampled_from(["handoff_form", None])),
    st.builds(FollowupAction, st.sampled_from(ACTIONS)),
    st.builds(LoopInterrupted, st.booleans()),
    st.just(BotUttered("hi")),
    st.sampled_from([UserUtteranceReverted(), ActionReverted(), Restarted(), SessionStarted()]),
)


def scribble(states: list[Any]) -> None:
    """What a careless caller might do to the states it was given."""
    for state in states:
        for sub_state in state.values():
            if isinstance(sub_state, dict):
                sub_state.clear()
        state.clear()


@settings(max_examples=150, deadline=None)
@given(st.lists(events, max_size=40), st.randoms(use_true_random=False))
def test_states_replayed_incrementally_are_rasas(sequence: list[Event], rng: random.Random) -> None:
    tracker = DialogueStateTracker.from_events("visitor", [], DOMAIN.slots)
    for event in [ActionExecuted("action_listen"), *sequence]:
        tracker.update(event)
        for omit in (False, True):
            for ignore in (False, True):
                rule_only = rng.choice(RULE_ONLY)
                expected = RASA_STATES(DOMAIN, tracker, omit, ignore, rule_only)
                ours = incremental_states.states_for_tracker_history(
                    DOMAIN, tracker, omit, ignore, rule_only
                )
                assert ours == expected
                scribble(ours)
    assert tracker.__dict__[incremental_states.REPLAYS]  # the replays were kept and reused


def test_a_replay_is_reused_and_restarted_when_history_is_rewritten() -> None:
    tracker = DialogueStateTracker.from_events("visitor", [], DOMAIN.slots)
    for event in (ActionExecuted("action_listen"), user("faq", False), ActionExecuted("utter_faq")):
        tracker.update(event)
    incremental_states.states_for_tracker_history(DOMAIN, tracker)
    (replay,) = tracker.__dict__[incremental_states.REPLAYS].values()
    tracker.update(ActionExecuted("action_listen"))
    incremental_states.states_for_tracker_history(DOMAIN, tracker)
    assert tracker.__dict__[incremental_states.REPLAYS][(id(DOMAIN), False, False, "None")] is (
        replay
    )
    assert len(replay.events) == 4
    tracker.update(UserUtteranceReverted())  # the applied events no longer begin as replayed
    states = incremental_states.states_for_tracker_history(DOMAIN, tracker)
    assert tracker.__dict__[incremental_states.REPLAYS][(id(DOMAIN), False, False, "None")] is not (
        replay
    )
    assert states == RASA_STATES(DOMAIN, tracker)


@pytest.fixture(scope="module")
def agent() -> Any:
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model()))


def rule_policy(agent: Any) -> RulePolicy:
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    (policy,) = [n._component for n in nodes if isinstance(n._component, RulePolicy)]
    return policy


@pytest.mark.model
def test_rules_found_through_the_index_are_rasas(agent: Any) -> None:
    policy = rule_policy(agent)
    rasas = rule_keys.RASA_GET_POSSIBLE_KEYS
    rng = random.Random(6)
    for lookup in (policy.lookup["rules"], policy.lookup["rules_for_loop_unhappy_path"]):
        rules = [policy._rule_key_to_state(key) for key in lookup]
        conversations = [states for states in rules]  # each rule's own states fit it
        for _ in range(300):  # and turns of several rules strung together
            conversations.append([s for r in rng.sample(rules, rng.randint(1, 4)) for s in r])
        found = 0
        for states in conversations:
            ours = rule_keys.get_possible_keys(policy, lookup, states)
            assert ours == rasas(policy, lookup, states)
            found += bool(ours)
        assert found >= len(rules)


@pytest.mark.model
def test_conversations_take_rasas_actions_with_both_fixes(
    agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [e.text for e in load_examples(DATA / "nlu_heldout.yml")]
    rng = random.Random(3)
    conversations = [rng.sample(texts, 8) for _ in range(12)]
    conversations += [["I'd like to talk to someone", "Ana Lee", "ana@example.org", "yes"]]
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", rule_keys.RASA_GET_POSSIBLE_KEYS)
    monkeypatch.setattr(Domain, "states_for_tracker_history", RASA_STATES)
    expected = asyncio.run(talk(agent, conversations))
    rule_keys.install()
    incremental_states.install()
    ours = asyncio.run(talk(agent, conversations))
    assert alike(ours, expected)
    assert not alike(ours, expected[1:])  # it does tell conversations apart
    assert any(e.get("name") == "handoff_form" for events in ours for e in events)


def test_alike_forgives_float_noise_and_nothing_else() -> None:
    assert alike([{"confidence": 0.9979902505874634}], [{"confidence": 0.9979903697967529}])
    assert not alike([{"confidence": 0.9}], [{"confidence": 0.8}])
    assert not alike({"name": "utter_faq"}, {"name": "utter_faq", "policy": "RulePolicy"})
    assert not alike([{"name": "utter_faq"}], [{"name": "action_listen"}])
