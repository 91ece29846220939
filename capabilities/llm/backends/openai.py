"""The ``openai`` backend: any OpenAI-compatible chat completions endpoint.

llama.cpp's server, Ollama, vLLM, LocalAI and xllamacpp's server all answer
``POST <base>/v1/chat/completions``. The answer is constrained with ``response_format``
(``json_schema``, the OpenAI shape every one of them reads); since some apply it loosely (a
Markdown fence around the JSON, a sentence before it), the JSON object is taken out of the text
before the schema judges it.

The API key travels only in the ``Authorization`` header; it never reaches a log line, an
error message or the cache key.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel

from .._generation import Reply
from ..errors import BackendNotAvailable, LLMError
from ..prompts import Prompt, render_prompt

__all__ = ["OpenAIBackend", "chat_completions_url", "extract_json"]

log = logging.getLogger(__name__)

_FENCE = re.compile(r"```[A-Za-z0-9_-]*\s*\n?(.*?)```", re.S)


def chat_completions_url(base_url: str) -> str:
    """``http://host:8080`` -> ``http://host:8080/v1/chat/completions``; a base that names a path
    (``.../v1``, ``.../api/openai/v1``) gets ``/chat/completions``; a full endpoint stays."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BackendNotAvailable(f"ai.base_url {safe_url(base_url)!r} is not an http(s) URL")
    path = parts.path.rstrip("/")
    if path.endswith("/chat/completions"):
        return f"{parts.scheme}://{parts.netloc}{path}"
    return f"{parts.scheme}://{parts.netloc}{path or '/v1'}/chat/completions"


def safe_url(url: str) -> str:
    """The URL without credentials or query (both may carry secrets), for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else "<not a URL>"


def extract_json(text: str) -> str:
    """The JSON object in ``text``: the text itself, the inside of a Markdown fence, or from the
    first ``{`` to the last ``}``; else the text unchanged (the schema will say why it fails)."""
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        return stripped
    if fenced := _FENCE.search(stripped):
        stripped = fenced.group(1).strip()
    start, end = stripped.find("{"), stripped.rfind("}")
    return stripped[start : end + 1] if 0 <= start < end else stripped


class OpenAIBackend:
    """An OpenAI-compatible server; ``calls`` counts the requests sent."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        max_tokens: int | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.url = chat_completions_url(base_url)
        self.model = model or "default"
        """Sent as the request's ``model``: servers with one model (llama.cpp) ignore it."""
        self._api_key = api_key
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.calls = 0

    def __repr__(self) -> str:
        return f"OpenAIBackend({safe_url(self.url)!r}, model={self.model!r})"

    def prompt(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Prompt:
        return render_prompt(task, variables, schema, max_tokens=self.max_tokens)

    async def complete(self, task: str, variables: Mapping[str, Any], schema: type[BaseModel]) -> Reply:
        return await self.answer(self.prompt(task, variables, schema), schema)

    def request(self, prompt: Prompt, schema: type[BaseModel], attempt: int = 1) -> dict[str, Any]:
        """The request body: greedy on the first attempt, sampled with another seed on a retry."""
        return {
            "model": self.model,
            "messages": prompt.messages(),
            "max_tokens": prompt.max_tokens,
            "temperature": 0.0 if attempt <= 1 else 0.7,
            "seed": attempt,
            "stream": False,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
            },
        }

    async def answer(self, prompt: Prompt, schema: type[BaseModel], attempt: int = 1) -> Reply:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        where = safe_url(self.url)
        self.calls += 1
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.post(
                    self.url, json=self.request(prompt, schema, attempt), headers=headers
                )
        except httpx.TimeoutException:
            raise LLMError(f"{where} gave no answer within {self.timeout_s:g} s") from None
        except httpx.HTTPError as exc:
            raise LLMError(f"{where} could not be reached: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 400:
            raise LLMError(f"{where} answered HTTP {response.status_code}: {_error_text(response)}")
        try:
            data = response.json()
            content = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(f"{where} did not answer a chat completion: {response.text[:200]!r}") from None
        usage = data.get("usage") or {}
        if data.get("choices", [{}])[0].get("finish_reason") == "length":
            log.info("%s: the %s answer was cut at %d tokens", where, prompt.task, prompt.max_tokens)
        return Reply(
            output=extract_json(str(content)),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            model=str(data.get("model") or self.model),
        )


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except ValueError:
        return response.text[:200]
    if isinstance(error, dict):
        return str(error.get("message") or error)[:300]
    return json.dumps(error)[:300] if error is not None else response.text[:200]
