"""The ``llamacpp`` backend with the real SmolLM2-135M model, in-process: answers fit their schemas,
an answer that does not fit (or that a validator rejects) falls back to the template and says so,
the cache answers a repeated question without a call, secrets never reach the model, calls are
timed out, and inference never blocks the event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from blackboard import Board, BoardSettings, connect
from capabilities.config.models import AI, OrchestraConfig
from capabilities.llm import LLM, LlamaCppBackend, LLMCache, Prompt, Reply, get_llm, template_backend
from capabilities.llm.backends.llamacpp import EngineSettings, load_engine
from capabilities.llm.schemas import (
    PARAMETERS,
    Candidate,
    DiagnoseRequest,
    DockerfilePlan,
    DockerfileRequest,
    GeneratedTests,
    TerraformRequest,
    TestTargets,
    diagnosis_schema,
    review_schema,
)
from capabilities.llm.schemas.chat import ChatIntent, ChatRequest
from capabilities.llm.uses import dockerfile_plan
from capabilities.llm.uses.review import review_request
from capabilities.redact import Redactor
from capabilities.test.generate import discover

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

DIFF = """diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,2 +1,5 @@
 import requests
+def charge(amount):
+    answer = requests.post("https://pay.example/charge", json={"amount": amount}, verify=False)
+    return answer.json()
"""


def request_for(task: str) -> tuple[dict[str, Any], type[BaseModel]]:
    if task == "chat_intent":
        chat = ChatRequest(text="please ship the frontend hotfix-v2", services=["frontend", "backend"])
        return chat.model_dump(), ChatIntent
    if task == "terraform":
        kind = "cloud_run"
        defaults = PARAMETERS[kind]().model_dump(exclude={"notes"})
        return TerraformRequest(
            service="api", provider="gcp", kind=kind, defaults=defaults
        ).model_dump(), PARAMETERS[kind]
    if task == "diagnose":
        candidate = Candidate(id="port-in-use", title="The port is already in use", cause="Another process.")
        diagnose = DiagnoseRequest(
            stage="deploy",
            failed="deploy:api",
            log="Error: listen EADDRINUSE :::3000",
            candidates=[candidate],
        )
        return diagnose.model_dump(), diagnosis_schema(["port-in-use"])
    if task == "review":
        review = review_request("api", DIFF)
        assert review is not None
        return review.model_dump(), review_schema(review.files)
    if task == "tests":
        found = discover(EXAMPLES / "legacy-python", None)
        targets = TestTargets(service="legacy-python", targets=found.targets[:3])
        return targets.model_dump(mode="json"), GeneratedTests
    assert task == "dockerfile"
    return dockerfile_request().model_dump(), DockerfilePlan


def dockerfile_request() -> DockerfileRequest:
    return DockerfileRequest(
        service="api", template="python", language="python", framework="flask",
        base_image="python:3.12-slim-bookworm", port=5000, health_path="/health",
        start_command=["python", "app.py"], files=["app.py", "requirements.txt"],
    )  # fmt: skip


@pytest.mark.parametrize("task", ["chat_intent", "terraform", "diagnose", "review", "dockerfile", "tests"])
async def test_the_models_answers_fit_their_schemas(llamacpp: LlamaCppBackend, task: str) -> None:
    if task == "tests":  # the longest answers: a smaller budget keeps the test short
        llamacpp = LlamaCppBackend(llamacpp.settings.model, threads=1, max_tokens=240)
    variables, schema = request_for(task)
    prompt = llamacpp.prompt(task, variables, schema)
    reply = await llamacpp.answer(prompt, schema)
    assert isinstance(reply.output, str) and reply.output.lstrip().startswith("{"), "the grammar holds"
    assert reply.prompt_tokens > 0 and 0 < reply.completion_tokens <= prompt.max_tokens
    assert reply.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    generation = await LLM(llamacpp, fallback=template_backend()).generate(task, variables, schema)
    assert isinstance(generation.value, schema)
    if task in ("chat_intent", "terraform", "diagnose", "review"):  # these SmolLM2 answers in budget
        assert generation.backend == "llamacpp" and not generation.fell_back, generation.meta()
        schema.model_validate_json(reply.output)
    meta = generation.meta()
    assert meta["duration_s"] > 0 and meta["prompt_tokens"] > 0 and meta["completion_tokens"] > 0
    if task == "diagnose":
        assert generation.value.model_dump()["incident"] == "port-in-use"  # the only id the schema allows


async def test_an_answer_cut_by_the_budget_falls_back_and_says_so(smollm2: Path) -> None:
    cut = LlamaCppBackend(smollm2, threads=1, max_tokens=4)
    variables, schema = request_for("chat_intent")
    generation = await LLM(cut, fallback=template_backend()).generate("chat_intent", variables, schema)
    assert cut.calls == 2, "the answer that did not fit was asked again once"
    meta = generation.meta()
    assert meta["fell_back"] is True and meta["backend"] == "template" and meta["attempts"] == 2
    assert "llamacpp answer 2 did not fit ChatIntent" in meta["error"]
    assert meta["completion_tokens"] == 8, "the model's tokens are still counted"
    assert generation.value.words() == ["deploy", "frontend", "hotfix-v2"]  # the template's answer


async def test_an_answer_the_validator_rejects_falls_back_and_says_so(llamacpp: LlamaCppBackend) -> None:
    judged: list[DockerfilePlan] = []

    async def hadolint_says_no(plan: DockerfilePlan) -> str | None:
        judged.append(plan)
        return "Dockerfile:4 DL3008 Pin versions in apt get install"

    llm = LLM(llamacpp, fallback=template_backend())
    generation = await dockerfile_plan(llm, dockerfile_request(), check=hadolint_says_no)
    assert generation.fell_back and generation.backend == "template" and generation.attempts == 2
    assert "was rejected" in (generation.error or "") and "DL3008" in (generation.error or "")
    assert generation.value.base_image == "python:3.12-slim-bookworm", "the template's own values"
    assert generation.value.start_command == ["python", "app.py"]


@pytest.fixture
async def board(redis_settings: BoardSettings) -> AsyncIterator[Board]:
    async with connect(redis_settings) as b:
        yield b


async def test_a_second_identical_generation_is_a_cache_hit(llamacpp: LlamaCppBackend, board: Board) -> None:
    cache = LLMCache(board.cache)
    llm = LLM(llamacpp, fallback=template_backend(), cache=cache)
    variables, schema = request_for("terraform")
    first = await llm.generate("terraform", variables, schema)
    calls = llamacpp.calls
    second = await llm.generate("terraform", variables, schema)
    assert llamacpp.calls == calls, "no call to the model"
    assert (cache.hits, cache.misses) == (1, 1)
    assert second.value == first.value and second.attempts == 0 and second.backend == "llamacpp"
    other = LLM(llamacpp, fallback=template_backend(), cache=LLMCache(board.cache))  # another peer
    assert (await other.generate("terraform", variables, schema)).value == first.value
    assert llamacpp.calls == calls
    variables["service"] = "web"  # another prompt: another key
    await llm.generate("terraform", variables, schema)
    assert llamacpp.calls == calls + 1 and cache.misses == 2


class Recording(LlamaCppBackend):
    """The real backend, keeping what it was asked to send."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[Prompt] = []

    async def answer(self, prompt: Prompt, schema: type[BaseModel], attempt: int = 1) -> Reply:
        self.sent.append(prompt)
        return await super().answer(prompt, schema, attempt)


async def test_secrets_never_reach_the_model(
    smollm2: Path, board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "s3cr3t-Pa55w0rd-for-the-db"
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    monkeypatch.setenv("SHOP_DB_PASSWORD", password)
    config = OrchestraConfig.model_validate({"secrets": {"keys": ["SHOP_DB_PASSWORD"]}})
    recording = Recording(smollm2, threads=1, max_tokens=40)
    llm = LLM(recording, fallback=template_backend(), redactor=Redactor(config.secrets.keys))
    log = f"psql: FATAL: password authentication failed (password={password})\nGITHUB_TOKEN={token}"
    variables = DiagnoseRequest(stage="deploy", failed="deploy:db", log=log).model_dump()
    generation = await llm.generate("diagnose", variables, diagnosis_schema([]))
    assert recording.sent, "the model was asked"
    for prompt in recording.sent:
        assert password not in prompt.text and token not in prompt.text
        assert "password=***" in prompt.user and "GITHUB_TOKEN=***" in prompt.user
    assert password not in generation.value.model_dump_json()
    # the factory wires the same redaction from config.secrets.keys
    wired = get_llm(AI(backend="llamacpp"), secrets=config.secrets.keys, env={"SHOP_DB_PASSWORD": password})
    assert wired.redactor(log).count("***") == 2


async def test_a_call_past_the_timeout_falls_back(llamacpp: LlamaCppBackend) -> None:
    variables, schema = request_for("review")
    llm = LLM(llamacpp, fallback=template_backend(), timeout_s=0.05)
    generation = await llm.generate("review", variables, schema)
    assert generation.fell_back and generation.attempts == 1
    assert "no answer within 0.05 s" in (generation.error or "")
    assert any(c.kind == "security" for c in generation.value.comments), "the template's checks answered"


async def test_the_model_is_loaded_once_and_never_blocks_the_event_loop(llamacpp: LlamaCppBackend) -> None:
    settings = EngineSettings(llamacpp.settings.model, threads=1, context=4096)
    assert load_engine(settings) is load_engine(llamacpp.settings)
    assert LlamaCppBackend(threads=1).settings == llamacpp.settings, "the bundled model by default"
    ticks = 0
    done = anyio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await anyio.sleep(0.005)  # the ticker's period: it measures that the loop runs

    variables, schema = request_for("review")
    async with anyio.create_task_group() as tg:
        tg.start_soon(tick)
        await llamacpp.answer(llamacpp.prompt("review", variables, schema), schema)
        done.set()
    assert ticks >= 20, f"the event loop ran only {ticks} times while the model answered"
