"""prompts/: one template per task, its variables documented at its top, rendered with Jinja2."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from capabilities.llm import UnknownTask, render_prompt
from capabilities.llm.prompts import prompt_doc, prompt_tasks, used_variables
from capabilities.llm.schemas import (
    DiagnoseRequest,
    DockerfileRequest,
    ReviewRequest,
    TerraformRequest,
    TestTargets,
)
from capabilities.llm.schemas.chat import ChatRequest

REQUESTS: dict[str, type[BaseModel]] = {
    "chat_intent": ChatRequest,
    "diagnose": DiagnoseRequest,
    "dockerfile": DockerfileRequest,
    "review": ReviewRequest,
    "terraform": TerraformRequest,
    "tests": TestTargets,
}
ALWAYS = {"schema", "task"}


def test_every_generation_task_has_a_prompt() -> None:
    assert prompt_tasks() == sorted(REQUESTS)


@pytest.mark.parametrize("task", sorted(REQUESTS))
def test_the_header_documents_every_variable_the_prompt_reads(task: str) -> None:
    doc = prompt_doc(task)
    assert doc.task == task and doc.answer and 0 < doc.max_tokens <= 1024
    documented = set(doc.variables)
    assert used_variables(task) <= documented | ALWAYS, "a variable the header does not document"
    fields = set(REQUESTS[task].model_fields)
    assert documented <= fields | ALWAYS, "a documented variable the request does not have"
    assert all(len(d) > 10 for d in doc.variables.values())
    assert {"schema", "task"} <= set(prompt_doc("_system").variables)


def test_a_prompt_renders_its_request() -> None:
    request = ChatRequest(text="please ship the frontend hotfix-v2", services=["frontend", "backend"])
    from capabilities.llm.schemas.chat import ChatIntent

    prompt = render_prompt("chat_intent", request.model_dump(), ChatIntent)
    assert 'Message: "please ship the frontend hotfix-v2"' in prompt.user
    assert "frontend, backend" in prompt.user and "{#" not in prompt.user
    assert '"chat_intent"' in prompt.system and "exactly one JSON object" in prompt.system
    assert prompt.max_tokens == prompt_doc("chat_intent").max_tokens
    assert render_prompt("chat_intent", request.model_dump(), ChatIntent, max_tokens=7).max_tokens == 7
    assert (
        prompt.messages()[0]["role"] == "system"
        and prompt.digest == render_prompt("chat_intent", request.model_dump(), ChatIntent).digest
    )


def test_unknown_tasks_and_missing_variables_are_clear_errors() -> None:
    from capabilities.llm.schemas.chat import ChatIntent

    with pytest.raises(UnknownTask, match="no prompt for task 'poem'"):
        render_prompt("poem", {}, ChatIntent)
    with pytest.raises(UnknownTask, match="is not a task name"):
        render_prompt("../etc/passwd", {}, ChatIntent)
    with pytest.raises(UnknownTask, match="needs a variable the request does not have"):
        render_prompt("chat_intent", {"services": []}, ChatIntent)
