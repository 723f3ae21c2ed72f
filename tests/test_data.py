"""The training data and the answers: consistent, short, and true to the article.

The rules are `bot faq check`'s (bot/editor/checks.py), so what an editor's check passes, this
passes; here they are also applied to domain.yml's responses and the Spanish examples."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.editor import checks
from bot.editor.project import Files, Project
from bot.editor.snapshot import Snapshot
from tests.conftest import ROOT

ARTICLE = (ROOT / "content" / "botox-for-rosacea.txt").read_text(encoding="utf-8")


def _yaml_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.yml"))


def _responses() -> dict[str, list[dict[str, Any]]]:
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in [ROOT / "domain.yml", *_yaml_files("data/responses")]:
        responses.update(yaml.safe_load(path.read_text()).get("responses") or {})
    return responses


def _nlu_labels() -> dict[str, list[str]]:
    labels: dict[str, list[str]] = {}
    for path in [ROOT / "data" / "nlu.yml", *_yaml_files("data/nlu"), *_yaml_files("data/es")]:
        for block in yaml.safe_load(path.read_text()).get("nlu") or []:
            if "intent" in block:
                examples = [
                    line[2:].strip()
                    for line in block["examples"].splitlines()
                    if line.startswith("- ")
                ]
                labels.setdefault(block["intent"], []).extend(examples)
    return labels


RETRIEVAL = ("faq", "not_in_article")


@pytest.mark.parametrize("retrieval_intent", RETRIEVAL)
def test_every_topic_has_examples_and_exactly_one_answer(retrieval_intent: str) -> None:
    topics = {k.split("/", 1)[1] for k in _nlu_labels() if k.startswith(f"{retrieval_intent}/")}
    answered = {
        k.split("/", 1)[1]: v
        for k, v in _responses().items()
        if k.startswith(f"utter_{retrieval_intent}/")
    }
    assert topics and topics == set(answered)
    # One answer, and at most one translation per language (a variation on the `language` slot).
    for variants in answered.values():
        plain = [v for v in variants if "condition" not in v]
        languages = [c["value"] for v in variants for c in v.get("condition", [])]
        assert len(plain) == 1
        assert len(languages) == len(set(languages)) == len(variants) - 1


def test_every_faq_topic_has_enough_examples() -> None:
    short = {
        k: len(v)
        for k, v in _nlu_labels().items()
        if k.startswith("faq/") and len(v) < checks.MIN_EXAMPLES
    }
    assert not short


def test_no_example_is_used_for_two_labels() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for label, examples in _nlu_labels().items():
        for example in examples:
            key = re.sub(r"[^\w ]", "", example.lower()).strip()
            if owner.setdefault(key, label) != label:
                clashes.append((example, owner[key], label))
    assert not clashes


def test_answers_are_at_most_three_sentences() -> None:
    long = {
        name: len(checks.sentences(v["text"]))
        for name, variants in _responses().items()
        if name.startswith(("utter_faq/", "utter_not_in_article/"))
        for v in variants
        if len(checks.sentences(v["text"])) > checks.MAX_SENTENCES
    }
    assert not long


def test_every_number_the_assistant_states_is_in_the_article() -> None:
    article_numbers = set(re.findall(r"\d+", ARTICLE))
    stated = {
        (name, number)
        for name, variants in _responses().items()
        for v in variants
        for number in re.findall(r"\d+", v.get("text", ""))
    }
    invented = {(n, x) for n, x in stated if x not in article_numbers | checks.ALLOWED_NUMBERS}
    assert not invented
    assert all("$" not in v["text"] for variants in _responses().values() for v in variants)


@pytest.mark.parametrize(
    "held_out",
    [
        "nlu_heldout.yml",
        "understanding_heldout.yml",
        "spanish_heldout.yml",
        "manipulation_heldout.yml",
        "manipulation_heldout_es.yml",
    ],
)
def test_the_held_out_sets_were_never_trained_on(held_out: str) -> None:
    trained = {re.sub(r"\W+", " ", e.lower()).strip() for v in _nlu_labels().values() for e in v}
    data = yaml.safe_load((ROOT / "tests" / "data" / held_out).read_text())
    texts = [e["text"] for key in ("examples", "singles", "multi") for e in data.get(key) or []]
    texts += [t["text"] for c in data.get("conversations") or [] for t in c["turns"]]
    assert len(texts) > 50
    leaked = [t for t in texts if re.sub(r"\W+", " ", t.lower()).strip() in trained]
    assert not leaked


def test_bot_faq_check_finds_nothing_to_fix() -> None:
    """The editor's whole check, warnings included (a topic missing in Spanish is one)."""
    assert checks.run(Snapshot(Files(Project(ROOT)))) == []
