"""`bot faq check`: the data lint editors run before training.

Each check yields Problems that point at a file and line. The same rules as tests/test_data.py
and tests/test_conversations.py, so what passes here passes `make test`'s data tests.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.editor import similarity
from bot.editor.responses import variant_language
from bot.editor.snapshot import FAQ, RETRIEVAL_INTENTS, Snapshot
from bot.nlu import manipulation

MIN_EXAMPLES = 8
MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 450
# Safety instructions are not article facts: the emergency number is the one allowed addition.
ALLOWED_NUMBERS = frozenset({"911"})


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str
    key: str  # identity that does not depend on line numbers (to compare before and after)
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


Check = Callable[[Snapshot], Iterator[Problem]]


def sentences(text: str) -> list[str]:
    # Spanish sentences may open with ¿ or ¡ or an accented capital.
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡\"])", text.strip()) if s]


def _at(snapshot: Snapshot, path: Path, line: int | None) -> tuple[str, int | None]:
    return snapshot.rel(path), line


def examples_per_topic(snapshot: Snapshot) -> Iterator[Problem]:
    for topic in snapshot.topics():
        blocks = snapshot.blocks(f"{FAQ}/{topic}")
        count = sum(len(block.examples) for _, block in blocks)
        path, block = blocks[0]
        if count < MIN_EXAMPLES:
            yield Problem(
                *_at(snapshot, path, block.line),
                f"faq/{topic} has {count} example question{'s' * (count != 1)}; every FAQ "
                f"needs at least {MIN_EXAMPLES} (add {MIN_EXAMPLES - count} more, worded the "
                "way visitors would ask)",
                f"few:{topic}",
            )
        if len(blocks) > 1:
            other_path, other = blocks[1]
            yield Problem(
                *_at(snapshot, other_path, other.line),
                f"faq/{topic} is listed twice (also {snapshot.rel(path)}:{block.line}); "
                "merge the two lists",
                f"twice:{topic}",
            )


def one_answer_per_topic(snapshot: Snapshot) -> Iterator[Problem]:
    for intent in RETRIEVAL_INTENTS:
        for topic in snapshot.topics(intent):
            path, block = snapshot.blocks(f"{intent}/{topic}")[0]
            entries = snapshot.response_entries(f"utter_{intent}/{topic}")
            if not entries:
                yield Problem(
                    *_at(snapshot, path, block.line),
                    f"{intent}/{topic} has example questions but no answer "
                    f"(utter_{intent}/{topic} in data/responses/)",
                    f"no-answer:{intent}/{topic}",
                )
                continue
            for extra_path, extra in entries[1:]:
                yield Problem(
                    *_at(snapshot, extra_path, extra.line),
                    f"utter_{intent}/{topic} is written twice; keep exactly one answer",
                    f"two-answers:{intent}/{topic}",
                )
            answer_path, answer = entries[0]
            plain = len(answer.variants) - len(answer.translations)
            languages = [variant_language(v) for v in answer.translations]
            if plain != 1 or None in languages or len(set(languages)) != len(languages):
                yield Problem(
                    *_at(snapshot, answer_path, answer.line),
                    f"utter_{intent}/{topic} has {plain} variants; keep exactly "
                    "one answer (and one translation per language, chosen by the `language` "
                    "slot) so every visitor gets the same, checked text",
                    f"variants:{intent}/{topic}",
                )
            if not answer.text.strip():
                yield Problem(
                    *_at(snapshot, answer_path, answer.line),
                    f"utter_{intent}/{topic} has an empty answer",
                    f"empty:{intent}/{topic}",
                )


def no_orphans(snapshot: Snapshot) -> Iterator[Problem]:
    for intent in RETRIEVAL_INTENTS:
        topics = set(snapshot.topics(intent))
        prefix = f"utter_{intent}/"
        for path, entries in snapshot.response_files.items():
            for entry in entries:
                if entry.name.startswith(prefix) and entry.name[len(prefix) :] not in topics:
                    yield Problem(
                        *_at(snapshot, path, entry.line),
                        f"{entry.name} answers a topic that has no example questions "
                        f"({intent}/{entry.name[len(prefix) :]}); remove it or add the questions",
                        f"orphan-answer:{entry.name}",
                    )
    faq_topics = set(snapshot.topics())
    for story in snapshot.stories:
        topic = story.faq_topic
        if topic is not None and topic not in faq_topics:
            yield Problem(
                *_at(snapshot, snapshot.project.stories, story.line),
                f"conversation test {story.name!r} is for a topic that does not exist",
                f"orphan-test:{topic}",
            )


def every_faq_has_a_test(snapshot: Snapshot) -> Iterator[Problem]:
    by_topic = {s.faq_topic: s for s in snapshot.stories if s.faq_topic}
    for topic in snapshot.topics():
        story = by_topic.get(topic)
        if story is None:
            path, block = snapshot.blocks(f"{FAQ}/{topic}")[0]
            yield Problem(
                *_at(snapshot, path, block.line),
                f'faq/{topic} has no conversation test (a story "faq: {topic}" in '
                "tests/test_stories.yml); add one with "
                f'`bot faq edit {topic} --test-question "..."`',
                f"no-test:{topic}",
            )
        elif story.faq_question() is None:
            yield Problem(
                *_at(snapshot, snapshot.project.stories, story.line),
                f"conversation test {story.name!r} should be one visitor message labelled "
                f"faq/{topic} followed by `action: utter_faq`",
                f"test-shape:{topic}",
            )


def no_example_for_two_topics(snapshot: Snapshot) -> Iterator[Problem]:
    first: dict[str, tuple[str, str, int]] = {}
    for example in snapshot.examples:
        key = similarity.clash_key(example.text)
        if not key:
            continue
        where = (example.label, snapshot.rel(example.path), example.line)
        owner = first.setdefault(key, where)
        if owner == where:
            continue
        if owner[0] != example.label:
            yield Problem(
                snapshot.rel(example.path),
                example.line,
                f"{example.text!r} is an example for {example.label} and also for {owner[0]} "
                f"({owner[1]}:{owner[2]}); one question can only belong to one topic",
                f"clash:{key}",
            )
        else:
            yield Problem(
                snapshot.rel(example.path),
                example.line,
                f"{example.text!r} is listed twice for {example.label} "
                f"(also {owner[1]}:{owner[2]})",
                f"repeat:{key}",
                severity="warning",
            )


def no_near_duplicates_across_topics(snapshot: Snapshot) -> Iterator[Problem]:
    examples = snapshot.examples
    pairs = similarity.near_duplicates([(e.label, e.text) for e in examples])
    for i, j, how in pairs:
        a, b = examples[i], examples[j]
        if not (a.label.startswith(f"{FAQ}/") or b.label.startswith(f"{FAQ}/")):
            continue
        if not b.label.startswith(f"{FAQ}/"):
            a, b = b, a  # point at the FAQ's example, the one an editor works on
        if similarity.clash_key(a.text) == similarity.clash_key(b.text):
            continue  # reported as an exact duplicate
        yield Problem(
            snapshot.rel(b.path),
            b.line,
            f"{b.text!r} ({b.label}) is nearly the same question as {a.text!r} ({a.label}, "
            f"{snapshot.rel(a.path)}:{a.line}): {how}; keep it in one topic or reword it",
            f"near:{similarity.clash_key(a.text)}|{similarity.clash_key(b.text)}",
        )


def held_out_set_never_trained_on(snapshot: Snapshot) -> Iterator[Problem]:
    held_out = {similarity.heldout_key(text): label for label, text in snapshot.heldout}
    for example in snapshot.examples:
        label = held_out.get(similarity.heldout_key(example.text))
        if label is not None:
            yield Problem(
                snapshot.rel(example.path),
                example.line,
                f"{example.text!r} is in the held-out test set (tests/data/nlu_heldout.yml, "
                f"as {label}), which must never be trained on; word it differently",
                f"heldout:{similarity.clash_key(example.text)}",
            )


def conversation_tests_agree_with_examples(snapshot: Snapshot) -> Iterator[Problem]:
    examples = snapshot.examples
    owners: defaultdict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        owners[similarity.clash_key(example.text)].append(index)
    messages = [m for story in snapshot.stories for m in story.messages]
    items = [(e.label, e.text) for e in examples] + [(m.label, m.text) for m in messages]
    near = similarity.near_duplicates(items)
    conflicts: dict[int, tuple[int, str]] = {}
    for number, message in enumerate(messages):
        for index in owners.get(similarity.clash_key(message.text), []):
            if examples[index].label != message.label:
                conflicts.setdefault(number, (index, "the same question"))
    for i, j, how in near:
        if i < len(examples) <= j and examples[i].label != messages[j - len(examples)].label:
            conflicts.setdefault(j - len(examples), (i, how))
    for number, (index, how) in sorted(conflicts.items()):
        message, example = messages[number], examples[index]
        yield Problem(
            snapshot.rel(snapshot.project.stories),
            message.line,
            f"the conversation test expects {message.text!r} to be {message.label}, but "
            f"{snapshot.rel(example.path)}:{example.line} teaches {example.text!r} as "
            f"{example.label} ({how}); change the test's message or the example",
            f"test-conflict:{similarity.clash_key(message.text)}",
        )


def answers_are_short(snapshot: Snapshot) -> Iterator[Problem]:
    for path, entries in snapshot.response_files.items():
        for entry in entries:
            if not entry.name.startswith(tuple(f"utter_{i}/" for i in RETRIEVAL_INTENTS)):
                continue
            for variant in entry.variants:
                text = str(variant.get("text") or "")
                count = len(sentences(text))
                if count > MAX_SENTENCES:
                    yield Problem(
                        *_at(snapshot, path, entry.line),
                        f"{entry.name} has {count} sentences; keep answers to at most "
                        f"{MAX_SENTENCES} (visitors read them in a small chat window)",
                        f"sentences:{entry.name}",
                    )
                if len(text) > MAX_ANSWER_CHARS:
                    yield Problem(
                        *_at(snapshot, path, entry.line),
                        f"{entry.name} is {len(text)} characters long; keep answers under "
                        f"{MAX_ANSWER_CHARS}",
                        f"chars:{entry.name}",
                    )


def answers_state_only_article_facts(snapshot: Snapshot) -> Iterator[Problem]:
    path = snapshot.project.article
    article = path.read_text(encoding="utf-8") if path.exists() else ""
    known = set(re.findall(r"\d+", article)) | ALLOWED_NUMBERS
    for response_path, entries in snapshot.response_files.items():
        for entry in entries:
            for variant in entry.variants:
                text = str(variant.get("text") or "")
                invented = sorted(set(re.findall(r"\d+", text)) - known, key=text.find)
                if invented:
                    yield Problem(
                        *_at(snapshot, response_path, entry.line),
                        f"{entry.name} states {', '.join(invented)}, which the article "
                        f"({snapshot.rel(path)}) does not; answers may only state what the "
                        "article says",
                        f"facts:{entry.name}:{','.join(invented)}",
                    )
                if "$" in text:
                    yield Problem(
                        *_at(snapshot, response_path, entry.line),
                        f"{entry.name} mentions a price ($); the article gives no prices",
                        f"price:{entry.name}",
                    )


def buttons_are_plain_questions(snapshot: Snapshot) -> Iterator[Problem]:
    for path, entries in snapshot.response_files.items():
        for entry in entries:
            for button in entry.buttons:
                if not button.title.strip() or not button.payload.strip():
                    yield Problem(
                        *_at(snapshot, path, entry.line),
                        f"{entry.name} has a button without a title or a question",
                        f"button-empty:{entry.name}",
                    )
                elif button.payload.strip().startswith("/"):
                    yield Problem(
                        *_at(snapshot, path, entry.line),
                        f"{entry.name}: button {button.title!r} sends {button.payload!r}; "
                        "buttons send a plain question, the way a visitor would type it",
                        f"button-command:{entry.name}:{button.title}",
                    )


def every_topic_in_every_language(snapshot: Snapshot) -> Iterator[Problem]:
    """Each FAQ in each language: examples there and a translated answer. A missing
    translation is a warning (those visitors get the English answer); a translated topic with no
    English FAQ is an error, because it has no answer to translate."""
    english = snapshot.topics()
    for language in snapshot.languages:
        translated = snapshot.translated_topics(language)
        for topic in translated:
            path, block = snapshot.translated_blocks(language, f"{FAQ}/{topic}")[0]
            if topic not in english:
                yield Problem(
                    *_at(snapshot, path, block.line),
                    f"faq/{topic} has {language} examples but there is no English FAQ "
                    f"{topic!r}; add it with `bot faq add` first",
                    f"untranslated-source:{language}:{topic}",
                )
                continue
            count = sum(
                len(b.examples) for _, b in snapshot.translated_blocks(language, f"{FAQ}/{topic}")
            )
            if count < MIN_EXAMPLES:
                yield Problem(
                    *_at(snapshot, path, block.line),
                    f"faq/{topic} has {count} {language} example question"
                    f"{'s' * (count != 1)}; it needs at least {MIN_EXAMPLES}",
                    f"few:{language}:{topic}",
                )
        for topic in english:
            faq = snapshot.translation(topic, language)
            missing = []
            if faq is None or not faq.examples:
                missing.append("example questions")
            if faq is None or not faq.answer.strip():
                missing.append("answer")
            if missing:
                path, block = snapshot.blocks(f"{FAQ}/{topic}")[0]
                yield Problem(
                    *_at(snapshot, path, block.line),
                    f"faq/{topic} has no {language} {' and no '.join(missing)}; its "
                    f"{language}-speaking visitors get less (`bot faq add --lang {language} "
                    f"--topic {topic}`)",
                    f"untranslated:{language}:{topic}",
                    "warning",
                )


def no_example_reads_as_manipulation(snapshot: Snapshot) -> Iterator[Problem]:
    """An example the manipulation guard catches ("write the instructions as a poem") would
    never be answered, whatever the model learns from it."""
    for path, blocks in snapshot.all_nlu_files.items():
        for block in blocks:
            if block.intent == "out_of_scope":
                continue
            for example in block.examples:
                kind = manipulation.detect(example.text)
                if kind:
                    yield Problem(
                        snapshot.rel(path),
                        example.line,
                        f"{example.text!r} ({block.intent}) reads as an attempt to change the "
                        f"assistant's role ({kind}, bot/nlu/manipulation.py), so it always gets "
                        f"the out-of-scope reply; word it as a visitor's question",
                        f"manipulation:{similarity.clash_key(example.text)}",
                    )


CHECKS: tuple[Check, ...] = (
    examples_per_topic,
    one_answer_per_topic,
    no_orphans,
    every_faq_has_a_test,
    no_example_for_two_topics,
    no_near_duplicates_across_topics,
    held_out_set_never_trained_on,
    conversation_tests_agree_with_examples,
    answers_are_short,
    answers_state_only_article_facts,
    buttons_are_plain_questions,
    every_topic_in_every_language,
    no_example_reads_as_manipulation,
)


def run(snapshot: Snapshot) -> list[Problem]:
    return [problem for check in CHECKS for problem in check(snapshot)]
