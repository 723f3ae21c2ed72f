"""`bot faq ...`: add, edit, remove, list and check the FAQs (see docs/editing-faqs.md)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from bot.editor import changes, checks, history, validate
from bot.editor.project import DEFAULT_LANGUAGE, EditorError, Files, Project
from bot.editor.prompts import Prompter
from bot.editor.responses import Button
from bot.editor.snapshot import FAQ, Faq, Snapshot
from bot.settings import PROJECT_ROOT

NEXT_STEPS = "Next: `bot faq check`, then `bot train` and `bot deploy` to put it live."
PREVIEW_CHARS = 60


def project_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        type=Path,
        default=PROJECT_ROOT,
        help="the assistant project to work on (default: this checkout)",
    )


def language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        default=DEFAULT_LANGUAGE,
        help="the language of the examples and answer given (default en; es for Spanish: "
        "the English FAQ must exist, its translation is added or changed)",
    )


def open_project(path: Path) -> Project:
    root = path.expanduser().resolve()
    if not (root / "data" / "nlu").is_dir():
        raise EditorError(f"{root} does not look like the assistant project (no data/nlu/)")
    return Project(root)


def button(value: str) -> Button:
    title, sep, payload = value.partition("|")
    if not sep or not title.strip() or not payload.strip():
        raise argparse.ArgumentTypeError(
            'a button is "Title|Question", for example '
            '"How long does it last?|How long does Botox for rosacea last?"'
        )
    return Button(title.strip(), payload.strip())


def preview(text: str, width: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _report(outcome: changes.Outcome, prompter: Prompter) -> None:
    for line in outcome.summary:
        prompter.say(line)
    for note in outcome.notes:
        prompter.say(f"note: {note}")
    prompter.say(NEXT_STEPS)


# --- add ---------------------------------------------------------------------------------


def _ask_faq(prompter: Prompter, snapshot: Snapshot) -> Faq:
    prompter.say("New FAQ. Answers may only state what the clinic's article says.")
    topic = prompter.ask("Topic name (lowercase, e.g. parking)")
    changes.validate_topic_name(topic)
    if snapshot.exists(topic):
        raise EditorError(f"the topic {topic!r} already exists; use `bot faq edit {topic}`")
    questions = prompter.lines(
        f"Example questions, worded the ways visitors ask (at least {checks.MIN_EXAMPLES})"
    )
    answer = prompter.ask(f"Answer (at most {checks.MAX_SENTENCES} sentences)")
    buttons = [
        button(line) for line in prompter.lines('Follow-up buttons as "Title|Question" (optional)')
    ]
    test_question = prompter.ask(
        "A visitor question for the conversation test", questions[0] if questions else ""
    )
    return Faq(topic, tuple(questions), answer, tuple(buttons), test_question)


def _translate(args: argparse.Namespace, prompter: Prompter, topic: str | None) -> int:
    """`add --lang xx` and `edit --lang xx`: the FAQ's version in another language."""
    files = Files(open_project(args.project))
    if not topic:
        raise EditorError("--topic is required with --lang (the English FAQ it translates)")
    questions = tuple(getattr(args, "question", None) or ()) + tuple(
        getattr(args, "add_question", None) or ()
    )
    buttons: tuple[Button, ...] | None = tuple(args.button) if args.button else None
    if getattr(args, "no_buttons", False):
        buttons = ()
    change = changes.Translate(
        answer=args.answer,
        buttons=buttons,
        add_questions=questions,
        remove_questions=tuple(getattr(args, "remove_question", None) or ()),
    )
    _report(changes.translate(files, topic, args.lang, change), prompter)
    return 0


def _add(args: argparse.Namespace, prompter: Prompter) -> int:
    if args.lang != DEFAULT_LANGUAGE:
        return _translate(args, prompter, args.topic)
    files = Files(open_project(args.project))
    snapshot = Snapshot(files)
    interactive = args.topic is None and not args.question and args.answer is None
    if interactive:
        faq = _ask_faq(prompter, snapshot)
    else:
        if not args.topic:
            raise EditorError("--topic is required (or give no options to be asked)")
        faq = Faq(
            args.topic,
            tuple(args.question or ()),
            args.answer or "",
            tuple(args.button or ()),
            args.test_question,
        )
    faq = changes.prepare(snapshot, faq)  # the simple mistakes first
    overlap = changes.overlap_with_unanswered(snapshot, faq.topic, faq.examples)
    move = False
    if overlap.examples:
        words = " or ".join(repr(w) for w in sorted(overlap.keywords))
        prompter.say(
            f"These example questions mention {words} and currently teach the bot that it "
            "cannot answer them:"
        )
        for example in overlap.examples:
            prompter.say(
                f"  {snapshot.rel(example.path)}:{example.line}  {example.text}  ({example.label})"
            )
        if args.move_similar is None and interactive:
            move = prompter.confirm(f"Move them to faq/{faq.topic}?", default=True)
        elif args.move_similar is None:
            raise EditorError(
                "decide what happens to them: --move-similar makes them examples of the new "
                "FAQ (usually right), --keep-similar leaves them where they are"
            )
        else:
            move = bool(args.move_similar)
    outcome = changes.add(files, faq, move=overlap.examples if move else ())
    outcome.notes.extend(overlap.tests if move else ())
    _report(outcome, prompter)
    return 0


# --- edit --------------------------------------------------------------------------------


def _ask_edit(prompter: Prompter, faq: Faq) -> changes.Edit:
    prompter.say(f"faq/{faq.topic}: {len(faq.examples)} example questions")
    for number, example in enumerate(faq.examples, 1):
        prompter.say(f"  {number:3}. {example}")
    prompter.say(f"Answer: {faq.answer}")
    answer = prompter.ask("New answer (Enter keeps it)")
    added = prompter.lines("Questions to add")
    numbers = prompter.ask("Numbers of questions to remove, e.g. 3 7 (Enter for none)")
    removed = []
    for token in numbers.replace(",", " ").split():
        if not token.isdigit() or not 1 <= int(token) <= len(faq.examples):
            raise EditorError(f"{token!r} is not one of the question numbers")
        removed.append(faq.examples[int(token) - 1])
    test_question = prompter.ask("Conversation-test question", faq.test_question or "")
    return changes.Edit(
        answer=answer or None,
        add_questions=tuple(added),
        remove_questions=tuple(removed),
        test_question=test_question or None,
    )


def _edit(args: argparse.Namespace, prompter: Prompter) -> int:
    if args.lang != DEFAULT_LANGUAGE:
        if args.rename or args.test_question:
            raise EditorError("--rename and --test-question apply to the English FAQ; drop --lang")
        return _translate(args, prompter, args.topic)
    files = Files(open_project(args.project))
    current = Snapshot(files).faq(args.topic)
    if current is None:
        raise EditorError(f"there is no FAQ {args.topic!r}; `bot faq list` shows them")
    buttons: tuple[Button, ...] | None = None
    if args.no_buttons:
        buttons = ()
    elif args.button:
        buttons = tuple(args.button)
    change = changes.Edit(
        answer=args.answer,
        buttons=buttons,
        add_questions=tuple(args.add_question or ()),
        remove_questions=tuple(args.remove_question or ()),
        test_question=args.test_question,
        rename=args.rename,
    )
    if change == changes.Edit():
        change = _ask_edit(prompter, current)
    _report(changes.edit(files, args.topic, change), prompter)
    return 0


# --- remove ------------------------------------------------------------------------------


def _remove(args: argparse.Namespace, prompter: Prompter) -> int:
    files = Files(open_project(args.project))
    current = Snapshot(files).faq(args.topic)
    if current is None:
        raise EditorError(f"there is no FAQ {args.topic!r}; `bot faq list` shows them")
    keep = not args.discard_questions
    if not args.yes:
        prompter.say(f"faq/{args.topic}: {preview(current.answer)}")
        if not prompter.confirm(
            f"Remove it ({len(current.examples)} questions, its answer and its test)?", False
        ):
            prompter.say("Nothing was changed.")
            return 1
        keep = prompter.confirm(
            "Keep its questions so the bot says it doesn't have that information and offers "
            "staff follow-up (instead of guessing another answer)?",
            default=keep,
        )
    _report(changes.remove(files, args.topic, keep_questions=keep), prompter)
    return 0


# --- list and check ----------------------------------------------------------------------


def _list_translations(snapshot: Snapshot, language: str, prompter: Prompter) -> int:
    """Each FAQ's answer in English and in `language`, one above the other, to compare."""
    faqs = snapshot.faqs()
    missing = 0
    for faq in faqs:
        translated = snapshot.translation(faq.topic, language)
        count = len(translated.examples) if translated else 0
        answer = translated.answer if translated and translated.answer else None
        missing += answer is None or count == 0
        prompter.say(f"{faq.topic} ({count} {language} examples)")
        prompter.say(f"  en: {faq.answer}")
        prompter.say(f"  {language}: {answer if answer else '(no translation yet)'}")
    prompter.say(f"{len(faqs)} FAQs, {missing} without a complete {language} version")
    return 0


def _list(args: argparse.Namespace, prompter: Prompter) -> int:
    project = open_project(args.project)
    snapshot = Snapshot(Files(project))
    if args.lang != DEFAULT_LANGUAGE:
        return _list_translations(snapshot, args.lang, prompter)
    faqs = snapshot.faqs()
    places: dict[str, list[tuple[Path, int, int]]] = {}
    for faq in faqs:
        ranges = [(p, b.line, b.end) for p, b in snapshot.blocks(f"{FAQ}/{faq.topic}")]
        ranges += [
            (p, r.line, r.end) for p, r in snapshot.response_entries(f"utter_{FAQ}/{faq.topic}")
        ]
        places[faq.topic] = ranges
    changed = history.last_changed(project.root, places)
    rows = [
        (f.topic, str(len(f.examples)), preview(f.answer), changed.get(f.topic, history.UNKNOWN))
        for f in faqs
    ]
    header = ("topic", "examples", "answer", "last changed")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        prompter.say(
            f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}"
        )
    prompter.say(f"{len(faqs)} FAQs")
    return 0


def _check(args: argparse.Namespace, prompter: Prompter) -> int:
    project = open_project(args.project)
    try:
        problems = checks.run(Snapshot(Files(project)))
    except EditorError as error:  # a file that cannot be read at all
        where = re.match(r"^([^\s:]+)(?::(\d+))?: (.*)$", str(error), re.DOTALL)
        path, line, message = where.groups() if where else ("data", None, str(error))
        problems = [checks.Problem(path, int(line) if line else None, message, "structure")]
    if not args.no_rasa:
        prompter.say("Running `rasa data validate` ...")
        problems += validate.rasa_validate(project.root)
    for problem in problems:
        prompter.say(str(problem))
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if errors:
        prompter.say(f"{errors} error(s), {warnings} warning(s): fix the errors, then run again.")
        return 1
    faqs = len(Snapshot(Files(project)).faqs())
    prompter.say(f"All checks passed for {faqs} FAQs ({warnings} warning(s)).")
    return 0


# --- wiring ------------------------------------------------------------------------------


def _guarded(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        prompter = Prompter()
        try:
            return int(handler(args, prompter))
        except EditorError as error:
            prompter.say(f"error: {error}")
            return 1

    return run


def register(commands: Any) -> None:
    """Add the `faq` command group to the `bot` command's subparsers."""
    faq = commands.add_parser("faq", help="add, change, remove, list and check the FAQs")
    actions = faq.add_subparsers(dest="faq_command", required=True)

    add = actions.add_parser("add", help="add an FAQ (asks, or takes the options below)")
    add.add_argument("--topic", help="the topic's name, e.g. parking")
    add.add_argument("--question", action="append", help="an example question (8 or more)")
    add.add_argument("--answer", help="the answer (only facts from the article)")
    add.add_argument("--button", action="append", type=button, help='"Title|Question"')
    add.add_argument("--test-question", help="the conversation test's question")
    similar = add.add_mutually_exclusive_group()
    similar.add_argument(
        "--move-similar",
        dest="move_similar",
        action="store_true",
        default=None,
        help="move unanswerable examples that use the new topic's words into it",
    )
    similar.add_argument("--keep-similar", dest="move_similar", action="store_false")
    language_option(add)
    project_option(add)
    add.set_defaults(handler=_guarded(_add))

    edit = actions.add_parser("edit", help="change an FAQ (asks, or takes the options below)")
    edit.add_argument("topic")
    edit.add_argument("--answer", help="the new answer")
    edit.add_argument("--add-question", action="append", help="an example question to add")
    edit.add_argument("--remove-question", action="append", help="an example to remove")
    edit.add_argument("--test-question", help="the conversation test's question")
    edit.add_argument("--button", action="append", type=button, help="replaces the buttons")
    edit.add_argument("--no-buttons", action="store_true", help="remove the buttons")
    edit.add_argument("--rename", help="a new topic name")
    language_option(edit)
    project_option(edit)
    edit.set_defaults(handler=_guarded(_edit))

    remove = actions.add_parser("remove", help="remove an FAQ everywhere it is written")
    remove.add_argument("topic")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    remove.add_argument(
        "--discard-questions",
        action="store_true",
        help="drop its questions instead of keeping them as 'not in the article'",
    )
    project_option(remove)
    remove.set_defaults(handler=_guarded(_remove))

    listing = actions.add_parser("list", help="the FAQs: examples, answer, last change")
    language_option(listing)
    project_option(listing)
    listing.set_defaults(handler=_guarded(_list))

    check = actions.add_parser("check", help="lint the data, then `rasa data validate`")
    check.add_argument("--no-rasa", action="store_true", help="skip `rasa data validate`")
    project_option(check)
    check.set_defaults(handler=_guarded(_check))
