"""RulePolicy's search for the rules that fit a conversation, without testing every rule at
every turn.

To predict an action Rasa's RulePolicy filters all its learned rules (92 here) against each
state of the conversation, newest first (`_get_possible_keys`), twice a prediction: 13 % of
answering a message in process (cProfile, 5-turn conversations). Two shortcuts give the same
set of rules:
- a rule whose newest state names a previous action cannot fit a conversation whose previous
  action has another name (`_does_rule_match_state` compares them), so against the newest state
  only the rules that name the conversation's previous action, or name none, are tested;
- a rule fits at every turn older than its length (`_is_rule_applicable`), so the search stops
  once it is past the longest rule still in the set.
The remaining tests are Rasa's own `_is_rule_applicable`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.nlu.constants import ACTION_NAME

RASA_GET_POSSIBLE_KEYS = RulePolicy.__dict__["_get_possible_keys"]
INDEXES = "_aluma_rule_indexes"  # on a policy: id(lookup) -> (lookup, RuleIndex)


@dataclass
class RuleIndex:
    lengths: dict[str, int]
    unnamed: set[str] = field(default_factory=set)  # newest state names no previous action
    by_previous_action: dict[str, set[str]] = field(default_factory=dict)


def build_index(policy: RulePolicy, lookup: dict[str, Any]) -> RuleIndex:
    index = RuleIndex(lengths={})
    for key in lookup:
        states = policy._rule_key_to_state(key)
        index.lengths[key] = len(states)
        name = states[-1].get(PREVIOUS_ACTION, {}).get(ACTION_NAME) if states else None
        if isinstance(name, str) and name and name != SHOULD_NOT_BE_SET:
            index.by_previous_action.setdefault(name, set()).add(key)
        else:
            index.unnamed.add(key)
    return index


def index_for(policy: RulePolicy, lookup: dict[str, Any]) -> RuleIndex:
    """The lookup's index, built once: a loaded policy's lookups do not change."""
    indexes = policy.__dict__.setdefault(INDEXES, {})
    kept = indexes.get(id(lookup))
    if kept is None or kept[0] is not lookup or len(kept[1].lengths) != len(lookup):
        kept = indexes[id(lookup)] = (lookup, build_index(policy, lookup))
    index: RuleIndex = kept[1]
    return index


def get_possible_keys(self: RulePolicy, lookup: dict[str, Any], states: list[Any]) -> set[str]:
    if not states:
        return set(lookup)
    index = index_for(self, lookup)
    newest = states[-1]
    named = newest.get(PREVIOUS_ACTION, {}).get(ACTION_NAME)
    candidates = index.unnamed | index.by_previous_action.get(named, set())
    possible = {key for key in candidates if self._is_rule_applicable(key, 0, newest)}
    for turn, state in enumerate(reversed(states[:-1]), start=1):
        if not possible or turn >= max(index.lengths[key] for key in possible):
            break
        possible = {key for key in possible if self._is_rule_applicable(key, turn, state)}
    return possible


def install() -> None:
    RulePolicy._get_possible_keys = get_possible_keys
