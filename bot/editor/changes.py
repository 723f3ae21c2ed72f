"""Add, edit and remove an FAQ: every file it lives in changes together, or none does.

An operation stages new file texts, re-reads them, runs the checks, and refuses if the change
would bring in an error that was not there before; only then are the files written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.editor import checks, nlu, responses, similarity, stories
from bot.editor.project import LANGUAGE_CODE, EditorError, Files
from bot.editor.responses import Button
from bot.editor.snapshot import FAQ, UNANSWERED, Faq, Located, Snapshot

TOPIC_NAME = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
UNANSWERED_CATCH_ALL = f"{UNANSWERED}/other"


class Refused(EditorError):
    """The change would break the checks; nothing was written."""

    def __init__(self, problems: Sequence[checks.Problem]) -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"nothing was changed, because the change would cause:\n{listed}")


@dataclass
class Outcome:
    """What an operation changed, in words for the editor."""

    summary: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def validate_topic_name(topic: str) -> None:
    if not TOPIC_NAME.match(topic):
        raise EditorError(
            f"{topic!r} cannot be a topic name: use lowercase letters, digits and _, starting "
            "with a letter (for example parking or aftercare_tips)"
        )


def clean_questions(questions: Sequence[str]) -> list[str]:
    """The questions tidied, without repeats; refuses a question Rasa would misread."""
    cleaned: dict[str, str] = {}
    for question in questions:
        problem = nlu.question_problem(question)
        if problem:
            raise EditorError(problem)
        tidy = nlu.clean(question)
        cleaned.setdefault(similarity.clash_key(tidy), tidy)
    return list(cleaned.values())


def validate_answer(answer: str) -> str:
    answer = " ".join(answer.split())
    if not answer:
        raise EditorError("the answer is empty; write what the bot should reply")
    return answer


def _require_enough(questions: Sequence[str], what: str) -> None:
    if len(questions) < checks.MIN_EXAMPLES:
        raise EditorError(
            f"{what} has {len(questions)} example question{'s' * (len(questions) != 1)}; an "
            f"FAQ needs at least {checks.MIN_EXAMPLES}, worded the different ways visitors "
            "ask it"
        )


@dataclass(frozen=True)
class Overlap:
    """Where a new FAQ meets questions the bot was taught it cannot answer."""

    keywords: frozenset[str]  # the words that mark the new topic, e.g. {"park"}
    examples: tuple[Located, ...]  # not_in_article/* training examples that use them
    tests: tuple[str, ...]  # labelled test messages that use them, as notes for a developer


def overlap_with_unanswered(snapshot: Snapshot, topic: str, questions: Sequence[str]) -> Overlap:
    """Examples and test messages labelled not_in_article/* that use the words marking the new
    FAQ (e.g. "park" for parking): once the FAQ exists, the examples would fight it."""
    keywords = frozenset(similarity.topic_keywords(questions, [e.text for e in snapshot.examples]))

    def mentions(label: str, text: str) -> bool:
        return label.startswith(f"{UNANSWERED}/") and bool(similarity.stems(text) & keywords)

    examples = tuple(e for e in snapshot.examples if mentions(e.label, e.text))
    tests = [
        f"{snapshot.rel(snapshot.project.stories)}:{m.line}: the conversation test "
        f"{story.name!r} expects {m.text!r} to get no answer ({m.label}); once faq/{topic} "
        "is live it may be answered, so a developer should update that test"
        for story in snapshot.stories
        for m in story.messages
        if mentions(m.label, m.text)
    ]
    tests += [
        f"{snapshot.rel(snapshot.project.heldout)}: the held-out set labels {text!r} as "
        f"{label}; a developer should relabel it faq/{topic}"
        for label, text in snapshot.heldout
        if mentions(label, text)
    ]
    return Overlap(keywords, examples, tuple(tests))


def _commit(before: Snapshot, files: Files, outcome: Outcome) -> Outcome:
    old = {p.key for p in checks.run(before) if p.is_error}
    after = Snapshot(files)
    new = [p for p in checks.run(after) if p.is_error and p.key not in old]
    if new:
        raise Refused(new)
    outcome.written = files.save()
    return outcome


def _remove_examples(files: Files, snapshot: Snapshot, examples: Sequence[Located]) -> None:
    """Take examples out of the blocks they are in (used when moving them to another topic)."""
    by_block: dict[tuple[Path, str], set[str]] = {}
    for example in examples:
        by_block.setdefault((example.path, example.label), set()).add(example.text)
    for (path, intent), texts in by_block.items():
        name = snapshot.rel(path)
        text = files.read(path)
        block = nlu.find(nlu.parse(text, name), intent)
        assert block is not None
        kept = [t for t in block.texts if t not in texts]
        files.stage(path, nlu.replace(text, name, intent, kept))


def prepare(snapshot: Snapshot, faq: Faq) -> Faq:
    """A new FAQ tidied and checked for the simple mistakes, or the reason it cannot be."""
    validate_topic_name(faq.topic)
    if snapshot.exists(faq.topic):
        where = snapshot.blocks(f"{FAQ}/{faq.topic}")
        at = f" ({snapshot.rel(where[0][0])}:{where[0][1].line})" if where else ""
        raise EditorError(
            f"the topic {faq.topic!r} already exists{at}; change it with `bot faq edit {faq.topic}`"
        )
    answer = validate_answer(faq.answer)
    questions = clean_questions(faq.examples)
    _require_enough(questions, f"faq/{faq.topic}")
    test_question = nlu.clean(faq.test_question or questions[0])
    if problem := nlu.question_problem(test_question):
        raise EditorError(f"conversation test: {problem}")
    return Faq(faq.topic, tuple(questions), answer, faq.buttons, test_question)


def add(files: Files, faq: Faq, move: Sequence[Located] = ()) -> Outcome:
    snapshot = Snapshot(files)
    project = files.project
    faq = prepare(snapshot, faq)
    questions, answer = list(faq.examples), faq.answer
    test_question = faq.test_question or questions[0]
    asked = {similarity.clash_key(q) for q in questions}
    moved = [m for m in move if similarity.clash_key(m.text) not in asked]
    _remove_examples(files, snapshot, move)
    examples = [*questions, *(m.text for m in moved)]
    intent = f"{FAQ}/{faq.topic}"
    files.stage(
        project.faq_nlu,
        nlu.append(files.read(project.faq_nlu), project.rel(project.faq_nlu), intent, examples),
    )
    files.stage(
        project.faq_responses,
        responses.append(
            files.read(project.faq_responses),
            project.rel(project.faq_responses),
            responses.render(f"utter_{intent}", answer, faq.buttons),
        ),
    )
    files.stage(
        project.stories,
        stories.add_faq(
            files.read(project.stories), project.rel(project.stories), faq.topic, test_question
        ),
    )
    outcome = Outcome(
        summary=[
            f"Added {intent}: {len(examples)} example questions in {project.rel(project.faq_nlu)}",
            f"  answer utter_{intent} in {project.rel(project.faq_responses)}",
            f'  conversation test "faq: {faq.topic}" ({test_question!r}) in '
            f"{project.rel(project.stories)}",
        ]
    )
    for m in move:
        outcome.summary.append(f"  moved {m.text!r} here from {m.label}")
    return _commit(snapshot, files, outcome)


@dataclass(frozen=True)
class Edit:
    answer: str | None = None
    buttons: tuple[Button, ...] | None = None
    add_questions: tuple[str, ...] = ()
    remove_questions: tuple[str, ...] = ()
    test_question: str | None = None
    rename: str | None = None


def edit(files: Files, topic: str, change: Edit) -> Outcome:
    snapshot = Snapshot(files)
    project = files.project
    current = snapshot.faq(topic)
    if current is None:
        raise EditorError(f"there is no FAQ {topic!r}; `bot faq list` shows them")
    new_topic = change.rename or topic
    if change.rename and change.rename != topic:
        validate_topic_name(change.rename)
        if snapshot.exists(change.rename):
            raise EditorError(f"the topic {change.rename!r} already exists")
    unknown = [
        q
        for q in change.remove_questions
        if similarity.clash_key(q) not in {similarity.clash_key(e) for e in current.examples}
    ]
    if unknown:
        raise EditorError(f"faq/{topic} has no example question {unknown[0]!r}")
    dropped = {similarity.clash_key(q) for q in change.remove_questions}
    kept = [e for e in current.examples if similarity.clash_key(e) not in dropped]
    added = [
        q
        for q in clean_questions(change.add_questions)
        if similarity.clash_key(q) not in {similarity.clash_key(e) for e in kept}
    ]
    examples = kept + added
    _require_enough(examples, f"faq/{new_topic} after this change")
    answer = validate_answer(change.answer if change.answer is not None else current.answer)
    buttons = change.buttons if change.buttons is not None else current.buttons
    test_question = nlu.clean(change.test_question or current.test_question or examples[0])
    if problem := nlu.question_problem(test_question):
        raise EditorError(f"conversation test: {problem}")

    old_intent, intent = f"{FAQ}/{topic}", f"{FAQ}/{new_topic}"
    blocks = snapshot.blocks(old_intent)
    if blocks:
        path = blocks[0][0]
        for other in {p for p, _ in blocks[1:]} - {path}:  # a topic listed in two files
            files.stage(other, nlu.remove(files.read(other), project.rel(other), old_intent))
        files.stage(
            path,
            nlu.replace(files.read(path), project.rel(path), old_intent, examples, intent),
        )
    else:
        path = project.faq_nlu
        files.stage(path, nlu.append(files.read(path), project.rel(path), intent, examples))
    rendered = responses.render(f"utter_{intent}", answer, buttons)
    entries = snapshot.response_entries(f"utter_{old_intent}")
    if entries:
        response_path = entries[0][0]
        files.stage(
            response_path,
            responses.replace(
                files.read(response_path),
                project.rel(response_path),
                f"utter_{old_intent}",
                rendered,
            ),
        )
    else:
        files.stage(
            project.faq_responses,
            responses.append(
                files.read(project.faq_responses), project.rel(project.faq_responses), rendered
            ),
        )
    files.stage(
        project.stories,
        stories.replace_faq(
            files.read(project.stories),
            project.rel(project.stories),
            topic,
            new_topic,
            test_question,
        ),
    )
    outcome = Outcome(summary=[f"Changed {intent}:"])
    if new_topic != topic:
        outcome.summary.append(f"  renamed from {old_intent}")
        outcome.summary += _translations_follow(files, snapshot, topic, new_topic)
    if added:
        outcome.summary.append(f"  added {len(added)} example question(s)")
    if change.remove_questions:
        outcome.summary.append(f"  removed {len(change.remove_questions)} example question(s)")
    if answer != current.answer:
        outcome.summary.append("  new answer")
    if buttons != current.buttons:
        outcome.summary.append(f"  buttons: {', '.join(b.title for b in buttons) or 'none'}")
    if test_question != current.test_question:
        outcome.summary.append(f"  conversation test asks {test_question!r}")
    outcome.summary.append(f"  now {len(examples)} example questions")
    return _commit(snapshot, files, outcome)


@dataclass(frozen=True)
class Translate:
    """A topic's translation into another language: its examples there and its answer."""

    answer: str | None = None
    buttons: tuple[Button, ...] | None = None
    add_questions: tuple[str, ...] = ()
    remove_questions: tuple[str, ...] = ()


def translate(files: Files, topic: str, language: str, change: Translate) -> Outcome:
    """Add or change the `language` version of an existing FAQ: example questions in
    data/<language>/nlu.yml and the answer as a variant chosen by the `language` slot."""
    snapshot = Snapshot(files)
    project = files.project
    if not LANGUAGE_CODE.match(language):
        raise EditorError(f"{language!r} is not a language code; use two letters, e.g. es")
    english = snapshot.faq(topic)
    if english is None:
        raise EditorError(
            f"there is no FAQ {topic!r}; add it in English with `bot faq add` first, then its "
            f"{language} version"
        )
    current = snapshot.translation(topic, language) or Faq(topic, (), "")
    known = {similarity.clash_key(e) for e in current.examples}
    unknown = [q for q in change.remove_questions if similarity.clash_key(q) not in known]
    if unknown:
        raise EditorError(f"faq/{topic} has no {language} example question {unknown[0]!r}")
    dropped = {similarity.clash_key(q) for q in change.remove_questions}
    kept = [e for e in current.examples if similarity.clash_key(e) not in dropped]
    kept_keys = {similarity.clash_key(e) for e in kept}
    added = [
        q for q in clean_questions(change.add_questions) if similarity.clash_key(q) not in kept_keys
    ]
    examples = kept + added
    _require_enough(examples, f"faq/{topic} in {language}")
    if change.answer is None and not current.answer:
        raise EditorError(f"give the {language} answer (--answer); faq/{topic} has none yet")
    answer = validate_answer(change.answer if change.answer is not None else current.answer)
    buttons = change.buttons if change.buttons is not None else current.buttons

    intent = f"{FAQ}/{topic}"
    blocks = snapshot.translated_blocks(language, intent)
    if blocks:
        path = blocks[0][0]
        files.stage(path, nlu.replace(files.read(path), project.rel(path), intent, examples))
    else:
        path = project.faq_nlu_for(language)
        files.stage(path, nlu.append(files.read(path), project.rel(path), intent, examples))
    response_path = snapshot.response_entries(f"utter_{intent}")[0][0]
    if (answer, tuple(buttons)) != (current.answer, tuple(current.buttons)):  # else left as is
        files.stage(
            response_path,
            responses.set_translation(
                files.read(response_path),
                project.rel(response_path),
                f"utter_{intent}",
                language,
                responses.render_translation(language, answer, buttons),
            ),
        )
    verb = "Changed" if current.examples or current.answer else "Added"
    outcome = Outcome(
        summary=[
            f"{verb} the {language} version of {intent}: {len(examples)} example questions in "
            f"{project.rel(path)}",
            f"  its answer, chosen when the visitor writes {language}, in "
            f"{project.rel(response_path)}",
        ],
        notes=[f"English answer, to compare: {english.answer}"],
    )
    return _commit(snapshot, files, outcome)


def _translations_follow(
    files: Files, snapshot: Snapshot, topic: str, new_topic: str | None, keep: bool = False
) -> list[str]:
    """A renamed or removed English topic takes its translated examples along; on removal
    they can go to the language's catch-all of questions the article does not answer."""
    project = files.project
    done: list[str] = []
    for language in snapshot.languages:
        for path, _ in snapshot.translated_blocks(language, f"{FAQ}/{topic}"):
            text, name = files.read(path), project.rel(path)
            if new_topic is None:
                block = nlu.find(nlu.parse(text, name), f"{FAQ}/{topic}")
                assert block is not None
                text = nlu.remove(text, name, f"{FAQ}/{topic}")
                catch_all = nlu.find(nlu.parse(text, name), UNANSWERED_CATCH_ALL)
                if keep and catch_all is not None:
                    ours = {similarity.clash_key(t) for t in catch_all.texts}
                    moved = [t for t in block.texts if similarity.clash_key(t) not in ours]
                    text = nlu.replace(text, name, UNANSWERED_CATCH_ALL, [*catch_all.texts, *moved])
                    done.append(f"  its {language} questions now go to {UNANSWERED_CATCH_ALL}")
                else:
                    done.append(f"  its {language} example questions ({name})")
                files.stage(path, text)
            else:
                block = nlu.find(nlu.parse(text, name), f"{FAQ}/{topic}")
                assert block is not None
                files.stage(
                    path,
                    nlu.replace(text, name, f"{FAQ}/{topic}", block.texts, f"{FAQ}/{new_topic}"),
                )
                done.append(f"  renamed its {language} example questions ({name})")
    return done


def remove(files: Files, topic: str, keep_questions: bool = True) -> Outcome:
    """Remove an FAQ everywhere. With keep_questions its examples move to
    not_in_article/other, so visitors who still ask get "I don't have that information" and
    the staff offer instead of the nearest other answer."""
    snapshot = Snapshot(files)
    project = files.project
    current = snapshot.faq(topic)
    if current is None:
        raise EditorError(f"there is no FAQ {topic!r}; `bot faq list` shows them")
    intent = f"{FAQ}/{topic}"
    outcome = Outcome(summary=[f"Removed {intent}:"])
    for path, _ in snapshot.blocks(intent):
        files.stage(path, nlu.remove(files.read(path), project.rel(path), intent))
    outcome.summary.append(f"  its {len(current.examples)} example questions")
    for path, _ in snapshot.response_entries(f"utter_{intent}"):
        files.stage(path, responses.remove(files.read(path), project.rel(path), f"utter_{intent}"))
    outcome.summary.append(f"  its answer utter_{intent}")
    if stories.find_faq(snapshot.stories, topic):
        files.stage(
            project.stories,
            stories.remove_faq(files.read(project.stories), project.rel(project.stories), topic),
        )
        outcome.summary.append(f'  its conversation test "faq: {topic}"')
    outcome.summary += _translations_follow(files, snapshot, topic, None, keep_questions)
    _drop_buttons_leading_to(files, snapshot, current, outcome)
    if keep_questions and current.examples:
        catch_all = snapshot.blocks(UNANSWERED_CATCH_ALL)
        if not catch_all:
            raise EditorError(
                f"there is no {UNANSWERED_CATCH_ALL} to keep the questions in; "
                "use --discard-questions"
            )
        path, block = catch_all[0]
        ours = {similarity.clash_key(t) for t in block.texts}
        kept = [*block.texts, *(e for e in current.examples if similarity.clash_key(e) not in ours)]
        files.stage(
            path, nlu.replace(files.read(path), project.rel(path), UNANSWERED_CATCH_ALL, kept)
        )
        outcome.summary.append(
            f"  its questions now go to {UNANSWERED_CATCH_ALL} ({project.rel(path)}): the bot "
            "says it doesn't have that information and offers staff follow-up"
        )
    _note_other_references(snapshot, current, outcome)
    return _commit(snapshot, files, outcome)


def _leading_to(snapshot: Snapshot, questions: Sequence[str], topic: str) -> list[bool]:
    """For each button question: is it one of this topic's examples, or closest to them?"""
    labelled = [(e.label, e.text) for e in snapshot.examples if e.label.startswith(f"{FAQ}/")]
    own = {similarity.clash_key(t) for label, t in labelled if label == f"{FAQ}/{topic}"}
    nearest = similarity.nearest_labels(labelled, questions)
    return [
        similarity.clash_key(q) in own or label == f"{FAQ}/{topic}"
        for q, label in zip(questions, nearest, strict=True)
    ]


def _drop_buttons_leading_to(
    files: Files, snapshot: Snapshot, removed: Faq, outcome: Outcome
) -> None:
    project = files.project
    others = [f for f in snapshot.faqs() if f.topic != removed.topic and f.buttons]
    payloads = [b.payload for f in others for b in f.buttons]
    leading = dict(zip(payloads, _leading_to(snapshot, payloads, removed.topic), strict=True))
    for faq in others:
        keep = tuple(b for b in faq.buttons if not leading[b.payload])
        if keep == faq.buttons:
            continue
        name = f"utter_{FAQ}/{faq.topic}"
        path = snapshot.response_entries(name)[0][0]
        files.stage(
            path,
            responses.replace(
                files.read(path), project.rel(path), name, responses.render(name, faq.answer, keep)
            ),
        )
        gone = [b.title for b in faq.buttons if b not in keep]
        outcome.summary.append(f"  the button(s) {', '.join(map(repr, gone))} under {faq.topic}")


def _note_other_references(snapshot: Snapshot, removed: Faq, outcome: Outcome) -> None:
    domain = snapshot.project.root / "domain.yml"
    if not domain.exists():
        return
    buttons = [
        (number, line.strip().split(":", 1)[1].strip().strip("\"'"))
        for number, line in enumerate(domain.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip().startswith("payload:")
    ]
    leading = _leading_to(snapshot, [q for _, q in buttons], removed.topic)
    for (number, question), leads in zip(buttons, leading, strict=True):
        if leads:
            outcome.notes.append(
                f"domain.yml:{number}: a menu button asks {question!r}, which was answered by "
                f"{removed.topic}; ask a developer to change that menu"
            )
