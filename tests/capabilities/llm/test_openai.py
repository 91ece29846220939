"""The ``openai`` backend against a real OpenAI-compatible server on loopback: xllamacpp's own
(llama.cpp's server) serving SmolLM2 at ``/v1/chat/completions``, with an API key."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from capabilities.config.models import AI
from capabilities.llm import (
    LLM,
    AISettings,
    BackendNotAvailable,
    LLMError,
    OpenAIBackend,
    get_llm,
    stage_llm,
    template_backend,
)
from capabilities.llm.backends.openai import chat_completions_url, extract_json
from capabilities.llm.schemas import PARAMETERS, TerraformRequest
from capabilities.llm.schemas.chat import ChatIntent, ChatRequest
from tests.support.llm_server import LLMServer

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]

KEY = secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def server(smollm2: Path) -> Iterator[LLMServer]:
    running = LLMServer(KEY)
    running.start()
    yield running
    running.stop()


def chat() -> dict[str, object]:
    return ChatRequest(
        text="please ship the frontend hotfix-v2", services=["frontend", "backend"]
    ).model_dump()


async def test_answers_from_the_server_fit_their_schemas(server: LLMServer) -> None:
    backend = OpenAIBackend(server.url, api_key=KEY)
    llm = LLM(backend, fallback=template_backend())
    generation = await llm.generate("chat_intent", chat(), ChatIntent)
    assert generation.backend == "openai" and not generation.fell_back, generation.meta()
    assert isinstance(generation.value, ChatIntent) and generation.value.command is not None
    assert generation.prompt_tokens > 0 and generation.completion_tokens > 0 and generation.model
    request = TerraformRequest(
        service="api", provider="aws", kind="ecs", defaults=PARAMETERS["ecs"]().model_dump(exclude={"notes"})
    )
    sized = await llm.generate("terraform", request.model_dump(), PARAMETERS["ecs"])
    assert isinstance(sized.value, PARAMETERS["ecs"]) and sized.backend == "openai", sized.meta()
    assert backend.calls == 2


async def test_the_factory_builds_it_from_config_and_environment(server: LLMServer) -> None:
    env = {"ORCHESTRA_AI_BASE_URL": server.url, "ORCHESTRA_AI_API_KEY": KEY, "ORCHESTRA_AI_MAX_TOKENS": "64"}
    llm = get_llm(AI(backend="openai"), env=env)
    assert isinstance(llm.backend, OpenAIBackend) and llm.backend.max_tokens == 64
    generation = await llm.generate("chat_intent", chat(), ChatIntent)
    assert generation.backend == "openai", generation.meta()


async def test_a_refused_request_falls_back_and_says_why(server: LLMServer) -> None:
    wrong = OpenAIBackend(server.url, api_key="not-the-key")
    generation = await LLM(wrong, fallback=template_backend()).generate("chat_intent", chat(), ChatIntent)
    assert generation.fell_back and generation.attempts == 1, "a refusal is not retried"
    assert "answered HTTP 401" in (generation.error or "") and "not-the-key" not in (generation.error or "")
    assert generation.value.words() == ["deploy", "frontend", "hotfix-v2"]
    with pytest.raises(LLMError, match="could not be reached"):
        await OpenAIBackend("http://127.0.0.1:9", timeout_s=2).complete("chat_intent", chat(), ChatIntent)


def test_endpoint_urls() -> None:
    assert chat_completions_url("http://h:8080") == "http://h:8080/v1/chat/completions"
    assert chat_completions_url("http://h:8080/v1/") == "http://h:8080/v1/chat/completions"
    assert chat_completions_url("https://h/api/openai/v1") == "https://h/api/openai/v1/chat/completions"
    assert chat_completions_url("http://h/v1/chat/completions") == "http://h/v1/chat/completions"
    with pytest.raises(BackendNotAvailable, match="not an http"):
        chat_completions_url("file:///etc/passwd")
    assert "pw" not in repr(OpenAIBackend("http://user:pw@h:1/v1", api_key="k-123"))


def test_the_json_object_is_taken_out_of_a_loose_answer() -> None:
    assert extract_json('{"a": 1}') == '{"a": 1}'
    assert extract_json('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert extract_json('Sure! Here it is: {"a": {"b": 2}} Hope it helps.') == '{"a": {"b": 2}}'
    assert extract_json("no json") == "no json"


def test_the_api_key_goes_only_to_the_operators_endpoint() -> None:
    mine = {"ORCHESTRA_AI_BASE_URL": "http://llm.internal:8080", "ORCHESTRA_AI_API_KEY": "k-1"}
    assert AISettings.resolve(AI(backend="openai"), mine).api_key == "k-1"
    repo_chosen = AI(backend="openai", base_url="http://collector.example")
    assert AISettings.resolve(repo_chosen, {"ORCHESTRA_AI_API_KEY": "k-1"}).api_key is None
    assert AISettings.resolve(repo_chosen, {"OPENAI_API_KEY": "k-1"}).api_key is None
    overridden = AISettings.resolve(repo_chosen, mine)
    assert overridden.base_url == "http://llm.internal:8080" and overridden.api_key == "k-1"
    assert "k-1" not in repr(overridden)


def test_the_environment_overrides_the_config() -> None:
    settings = AISettings.resolve(
        AI(backend="template", timeout=30),
        {"ORCHESTRA_AI_BACKEND": "llamacpp", "ORCHESTRA_AI_TIMEOUT": "2m", "ORCHESTRA_AI_THREADS": "1"},
    )
    assert (settings.backend, settings.timeout_s, settings.threads) == ("llamacpp", 120.0, 1)
    assert get_llm(None, env={"ORCHESTRA_AI_BACKEND": "llamacpp"}).name == "template", "None: no model"
    with pytest.raises(LLMError, match="not valid"):
        AISettings.resolve(AI(), {"ORCHESTRA_AI_BACKEND": "gpt-9"})
    with pytest.raises(LLMError, match="not a positive whole number"):
        AISettings.resolve(AI(), {"ORCHESTRA_AI_MAX_TOKENS": "lots"})
    llm, note = stage_llm(AI(backend="llamacpp", model="/nonexistent/model.gguf"))
    assert llm.name == "template" and note and "is not a file" in note
