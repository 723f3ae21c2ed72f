"""The editor's whole loop, end to end, in a temporary copy of the project: `bot faq add` a new
topic, `bot faq check`, `bot train`, `bot deploy` into a running Rasa server; a visitor then
gets the new answer over REST while a conversation that started before carries on. Then two
bad models: one refused before the switch, one rolled back after it. (One training.)"""

from __future__ import annotations

import json
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from testkit.model_run import trained_model
from testkit.servers import Stack, texts
from tests.editor_run import STEPS, EditorResult, bot
from tests.test_faq_cli import PARKING_ANSWER

pytestmark = [pytest.mark.model, pytest.mark.servers]

ASK_QUESTION = "Of course. What would you like to ask our staff?"
ASK_NAME = "What name should our staff use for you?"
ASK_CONTACT = "What's the best email address or phone number to reach you?"
DOSE = "In the studies, the typical dose of Botox for rosacea was 10-20 units."


@dataclass
class Loop:
    project: Path
    stack: Stack
    model: Path
    outputs: dict[str, str] = field(default_factory=dict)
    during: list[tuple[float, str]] = field(default_factory=list)  # replies while deploying
    deploy_seconds: float = 0.0

    @property
    def env(self) -> dict[str, str]:
        return {"BOT_RASA_URL": self.stack.url, "RASA_TOKEN": self.stack.token}

    def live_model(self) -> str:
        status = requests.get(f"{self.stack.url}/status", params={"token": self.stack.token})
        return str(status.json()["model_file"])


@pytest.fixture(scope="module")
def loop(
    editor_run: EditorResult | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loop]:
    assert editor_run is not None  # conftest starts it whenever this module's tests run
    codes, outputs = editor_run.result()
    for step, code in codes.items():
        assert code == 0, f"{step}: {outputs[step][-3000:]}"
    assert list(codes) == list(STEPS)
    project = editor_run.project
    model = next((project / "models").glob("aluma-*.tar.gz"))
    stack = Stack(tmp_path_factory.mktemp("stack"), model=trained_model()).start(web=False)
    try:
        yield Loop(project, stack, model, outputs)
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def deployed(loop: Loop) -> Loop:
    stack = loop.stack
    # Before: the bot says it has no parking information, and a visitor is mid-form.
    assert "don't have that information" in texts(
        stack.say(_visitor(), "where can I park when I visit you?")
    )
    assert (
        texts(stack.say("before", "I'd like someone from the clinic to get back to me"))
        == ASK_QUESTION
    )
    talking = threading.Event()

    def keep_talking() -> None:
        # Another visitor chats while the model is replaced: every message gets its answer.
        while not talking.is_set():
            started = time.monotonic()
            reply = texts(stack.say("during", "how many units do you use for rosacea"))
            loop.during.append((time.monotonic() - started, reply))
            time.sleep(1)

    chatter = threading.Thread(target=keep_talking)
    chatter.start()
    started = time.monotonic()
    try:
        code, loop.outputs["deploy"] = bot("deploy", "--project", str(loop.project), env=loop.env)
    finally:
        talking.set()
        chatter.join()
    loop.deploy_seconds = time.monotonic() - started
    assert code == 0, loop.outputs["deploy"][-4000:]
    return loop


def _visitor() -> str:
    return f"deploy-{uuid.uuid4().hex[:10]}"


def test_the_editor_commands_report_what_they_did(loop: Loop) -> None:
    assert "Added faq/parking: 14 example questions" in loop.outputs["add"]
    assert "All checks passed for 18 FAQs" in loop.outputs["check"]
    assert "Trained in" in loop.outputs["train"] and str(loop.model) in loop.outputs["train"]
    assert "Model is up to date" in loop.outputs["train again"]


def test_the_new_question_gets_the_new_answer_over_rest(deployed: Loop) -> None:
    assert deployed.live_model() == deployed.model.name
    for question in ("where can I park when I visit you?", "is there parking close by?"):
        assert texts(deployed.stack.say(_visitor(), question)) == PARKING_ANSWER
    out = deployed.outputs["deploy"]
    assert "Smoke test in this process (108 questions)" in out and "Deployed" in out
    record = json.loads((deployed.project / "models" / "deployed.json").read_text())
    assert record["model"] == str(deployed.model)


def test_a_conversation_started_before_the_deploy_continues(deployed: Loop) -> None:
    stack = deployed.stack
    assert texts(stack.say("before", "Do you offer payment plans?")) == ASK_NAME
    assert texts(stack.say("before", "Ana")) == ASK_CONTACT


def test_visitors_chatting_during_the_deploy_got_their_answers(deployed: Loop) -> None:
    assert len(deployed.during) >= 3
    assert all(reply == DOSE for _, reply in deployed.during), deployed.during
    slowest = max(seconds for seconds, _ in deployed.during)
    print(f"deploy took {deployed.deploy_seconds:.0f} s; slowest reply meanwhile {slowest:.1f} s")


def swapped_answers(model: Path, dest: Path, a: str, b: str) -> Path:
    """A copy of a model whose answers for two topics are swapped (everything else intact)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with tarfile.open(model, "r:gz") as archive:
            archive.extractall(root)
        paths = [root / "metadata.json", *root.glob("components/*/*.responses.json")]
        for path in paths:
            data = json.loads(path.read_text())
            responses = data["domain"]["responses"] if "domain" in data else data
            if a in responses:
                responses[a], responses[b] = responses[b], responses[a]
            path.write_text(json.dumps(data))
        domain = root / "components" / "domain_provider" / "domain.yml"
        data = yaml.load(domain.read_text())
        data["responses"][a], data["responses"][b] = data["responses"][b], data["responses"][a]
        with domain.open("w") as out:
            yaml.dump(data, out)
        with tarfile.open(dest, "w:gz", compresslevel=1) as archive:
            archive.add(root, arcname="")
    return dest


@pytest.fixture(scope="module")
def broken(deployed: Loop, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("broken") / "aluma-swapped.tar.gz"
    return swapped_answers(deployed.model, dest, "utter_faq/dose", "utter_faq/duration")


def test_a_model_that_fails_the_smoke_test_is_never_loaded(deployed: Loop, broken: Path) -> None:
    code, out = bot(
        "deploy", "--project", str(deployed.project), "--model", str(broken), env=deployed.env
    )
    assert code == 1, out
    assert "the new model failed its smoke test" in out
    assert "how many units" in out and "answered 'In the studies, the effects" in out
    assert deployed.live_model() == deployed.model.name
    assert texts(deployed.stack.say(_visitor(), "how many units do you use for rosacea")) == DOSE


def test_a_model_that_fails_through_the_server_is_rolled_back(deployed: Loop, broken: Path) -> None:
    code, out = bot(
        "deploy",
        "--project",
        str(deployed.project),
        "--model",
        str(broken),
        "--no-preflight",
        env=deployed.env,
    )
    assert code == 1, out
    assert "Rolling back to" in out and f"rolled back to {deployed.model.name}" in out
    assert deployed.live_model() == deployed.model.name
    stack = deployed.stack
    assert texts(stack.say(_visitor(), "how many units do you use for rosacea")) == DOSE
    assert texts(stack.say(_visitor(), "is there parking close by?")) == PARKING_ANSWER


def test_a_wrong_token_is_refused_before_anything_happens(deployed: Loop) -> None:
    token = "not-the-token-7f3a"
    code, out = bot(
        "deploy", "--project", str(deployed.project), env={**deployed.env, "RASA_TOKEN": token}
    )
    assert code == 1 and "refused the token" in out
    assert token not in out


def test_the_unanswered_report_reads_the_live_tracker_store(deployed: Loop) -> None:
    code, out = bot(
        "report",
        "unanswered",
        "--tracker-db",
        f"sqlite:///{deployed.stack.tracker_path}",
        "--project",
        str(deployed.project),
    )
    assert code == 0, out
    assert "Do you offer payment plans?" in out and "asked staff" in out
    assert "where can I park when I visit you?" in out  # before the deploy: not in the article
    assert "Ana" not in out
