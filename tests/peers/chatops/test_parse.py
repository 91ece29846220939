"""The grammar of ``/orchestra`` and the template backend's reading of plain words (pure logic)."""

from __future__ import annotations

import pytest

from capabilities.llm import get_llm
from capabilities.llm.schemas.chat import ChatIntent, ChatRequest, valid_ref
from peers.chatops.parse import Decide, Deploy, FreeText, Help, RollbackCmd, Runs, Status, canonical, parse

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("deploy backend main", Deploy("backend", "main")),
        ("DEPLOY backend feature/login-2", Deploy("backend", "feature/login-2")),
        ("rollback backend", RollbackCmd("backend")),
        ("rollback backend v1.2.3", RollbackCmd("backend", "v1.2.3")),
        ("status", Status()),
        ("status 0abcdefgh-12345678", Status("0abcdefgh-12345678")),
        ("runs", Runs()),
        ("approve 0abcdefgh-12345678 deploy:backend", Decide("0abcdefgh-12345678", "deploy:backend", True)),
        (
            "approve 0abcdefgh-12345678 0abcdefgh-12345678.deploy:web",
            Decide("0abcdefgh-12345678", "deploy:web", True),
        ),
        ("reject r1 deploy:web code freeze", Decide("r1", "deploy:web", False, "code freeze")),
        ("", Help()),
        ("help", Help()),
        ("deploy backend", Help("usage: deploy <service> <ref>")),
        ("deploy backend -x", Help("'-x' is not a branch, tag or commit")),
        ("deploy Backend main", Help("'Backend' is not a service name")),
        ("deploy backend a..b", Help("'a..b' is not a branch, tag or commit")),
        ("runs please", Help("usage: runs")),
        ("please ship the frontend", FreeText("please ship the frontend")),
    ],
)
def test_parse(text: str, command: object) -> None:
    assert parse(text) == command


def test_canonical_round_trips() -> None:
    for text in (
        "deploy backend main",
        "rollback backend v2",
        "rollback web",
        "status",
        "runs",
        "approve r1 deploy:web",
        "reject r1 deploy:web not now",
    ):
        assert canonical(parse(text)) == text
    assert Decide("r1", "deploy:web", True).task_id == "r1.deploy:web"


@pytest.mark.parametrize(
    ("ref", "ok"),
    [
        ("main", True),
        ("release/2.1", True),
        ("v1.0", True),
        ("a" * 40, True),
        ("-x", False),
        ("a..b", False),
        ("a//b", False),
        ("x@{1}", False),
        ("main.lock", False),
        ("main/", False),
        ("ma in", False),
        ("*", False),
    ],
)
def test_valid_ref(ref: str, ok: bool) -> None:
    assert valid_ref(ref) is ok


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("please ship the frontend hotfix-v2", ["deploy", "frontend", "hotfix-v2"]),
        ("Please deploy the Front-End from release/2.1 now!", ["deploy", "frontend", "release/2.1"]),
        ("ship backend", ["deploy", "backend", "main"]),
        ("roll back the backend to v3", ["rollback", "backend", "v3"]),
        ("undo backend", ["rollback", "backend"]),
        ("approve 0abcdefgh-12345678 deploy:backend", ["approve", "0abcdefgh-12345678", "deploy:backend"]),
        ("how is 0abcdefgh-12345678 going?", ["status", "0abcdefgh-12345678"]),
        ("what runs are there", ["runs"]),
        ("make me a coffee", []),
    ],
)
async def test_the_template_backend_reads_plain_words(text: str, words: list[str]) -> None:
    request = ChatRequest(text=text, services=["frontend", "backend"], default_ref="main")
    generation = await get_llm(None).generate("chat_intent", request.model_dump(), ChatIntent)
    assert generation.backend == "template" and not generation.fell_back
    assert generation.value.words() == words


def test_an_answer_missing_what_its_command_needs_says_so() -> None:
    assert ChatIntent(command="deploy").missing() == ["service"]
    assert ChatIntent(command="approve", run="0abcdefgh-12345678").missing() == ["task"]
    assert ChatIntent(command="runs").missing() == []
    with pytest.raises(ValueError, match="not a valid git ref"):
        ChatIntent(command="deploy", service="web", ref="a..b")
