"""`bot deploy` to replicas: every server gets the model, one after the other, or none keeps it.

The servers here are stand-ins that keep the model name and can be told to fail; the same
deploy against the two real replicas is in tests/test_prod_topology.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot import deploy as deploying
from bot.deploy import DeployError, Rasa
from bot.editor.project import Project
from bot.settings import rasa_urls

OLD = "aluma-old.tar.gz"
NEW = "aluma-new.tar.gz"


@dataclass
class Replica(Rasa):
    url: str
    model_file: str = OLD
    token: str = "t"
    timeout: float = 1.0
    refuse_token: bool = False
    fail_load: bool = False
    die_on_load: bool = False
    fail_smoke: bool = False
    loads: list[str] = field(default_factory=list)

    def status(self) -> dict[str, Any]:
        if self.die_on_load and self.loads:
            raise DeployError(f"cannot reach the Rasa server at {self.url}")
        if self.refuse_token:
            raise DeployError(f"the Rasa server at {self.url} refused the token")
        return {"model_file": self.model_file}

    def load(self, model: Path) -> None:
        self.loads.append(model.name)
        if (self.fail_load or self.die_on_load) and model.name == NEW:
            raise DeployError("PUT /model failed: 500")
        self.model_file = model.name


@dataclass
class Verdict:
    passed: bool
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "1 conversation tests and 0 example questions: " + ("1/1" if self.passed else "0/1")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    (tmp_path / "models").mkdir()
    for name in (OLD, NEW):
        (tmp_path / "models" / name).write_bytes(b"model")
    monkeypatch.setattr(deploying.smoke, "cases", lambda project, per_topic: [])
    monkeypatch.setattr(
        deploying,
        "smoke_live",
        lambda server, cases: Verdict(not server.fail_smoke or server.model_file != NEW),
    )
    return Project(tmp_path)


def run(project: Project, servers: list[Replica]) -> deploying.Deployment:
    return deploying.deploy(
        project, servers, project.models / NEW, preflight=False, say=lambda _: None
    )


def test_every_replica_gets_the_model_and_the_record_names_them(project: Project) -> None:
    servers = [Replica("http://a"), Replica("http://b")]
    done = run(project, servers)
    assert [s.model_file for s in servers] == [NEW, NEW]
    assert done.previous == project.models / OLD
    record = json.loads((project.models / "deployed.json").read_text())
    assert record["rasa_urls"] == ["http://a", "http://b"]


def test_a_replica_failing_its_smoke_test_puts_every_replica_back(project: Project) -> None:
    servers = [Replica("http://a"), Replica("http://b", fail_smoke=True)]
    with pytest.raises(DeployError, match="on http://b") as error:
        run(project, servers)
    assert error.value.restored
    assert [s.model_file for s in servers] == [OLD, OLD]
    assert servers[0].loads == [NEW, OLD]


def test_a_replica_that_cannot_load_it_leaves_the_others_as_they_were(project: Project) -> None:
    servers = [Replica("http://a"), Replica("http://b", fail_load=True), Replica("http://c")]
    with pytest.raises(DeployError, match="could not load") as error:
        run(project, servers)
    assert error.value.restored
    assert [s.model_file for s in servers] == [OLD, OLD, OLD]
    assert servers[2].loads == []  # never reached


def test_a_replica_that_dies_while_loading_still_gets_the_others_put_back(
    project: Project,
) -> None:
    servers = [Replica("http://a"), Replica("http://b", die_on_load=True)]
    with pytest.raises(DeployError, match="does not answer") as error:
        run(project, servers)
    assert not error.value.restored  # b's state is unknown
    assert servers[0].model_file == OLD


def test_a_replica_refusing_the_token_stops_the_deploy_before_any_change(
    project: Project,
) -> None:
    servers = [Replica("http://a"), Replica("http://b", refuse_token=True)]
    with pytest.raises(DeployError, match="refused the token"):
        run(project, servers)
    assert servers[0].loads == []


def test_replicas_already_on_the_model_are_only_checked(project: Project) -> None:
    servers = [Replica("http://a", model_file=NEW), Replica("http://b")]
    run(project, servers)
    assert servers[0].loads == []
    assert servers[1].loads == [NEW]


def test_the_replicas_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_RASA_URL", "http://balancer:8081")
    monkeypatch.delenv("BOT_RASA_REPLICAS", raising=False)
    assert rasa_urls() == ["http://balancer:8081"]
    monkeypatch.setenv("BOT_RASA_REPLICAS", " http://127.0.0.1:5005/, http://127.0.0.1:5006 ,")
    assert rasa_urls() == ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]
