"""The deploy stage on the kubernetes runtime: manifests for every step of a canary, validated
offline and stored; no kubeconfig here, so nothing is applied and the task says so."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from blackboard import Board, TaskState
from capabilities.config.models import OrchestraConfig
from capabilities.deploy import Deploy
from capabilities.deploy.kube_rollout import SKIPPED
from capabilities.release import Release, artifact_name
from tests.support.harness import run_stage

pytestmark = pytest.mark.anyio


async def test_a_canary_on_kubernetes_is_generated_validated_and_not_applied(
    board: Board, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-such-kubeconfig"))
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config either
    repo = tmp_path / "shop"
    repo.mkdir()
    (repo / "app.py").write_text("print('hi')\n")
    config = OrchestraConfig.model_validate(
        {
            "project": {"name": "shop"},
            "deployment": {
                "strategy": {"type": "canary", "steps": [10, 50, 100]},
                "services": [{"name": "api", "runtime": "kubernetes", "port": 8080, "replicas": 4}],
            },
        }
    )
    release = Release(
        service="api",
        version="abc1234-1",
        kind="image",
        repo="file:///x",
        commit="abc1234",
        image="127.0.0.1:5000/shop/api:abc1234",
        digest="sha256:" + "0" * 64,
        port=8080,
    )

    class WithRelease(Deploy):
        async def run(self, task, ctx):  # type: ignore[no-untyped-def]
            await ctx.put_artifact(artifact_name("api"), release.model_dump_json())
            return await super().run(task, ctx)

    stage = await run_stage(board, WithRelease(), repo, config=config, service="api")
    assert stage.task.state is TaskState.SUCCEEDED, stage.task.error
    assert SKIPPED in stage.task.result["summary"]
    assert stage.data["steps"] == ["canary-10", "canary-50", "promote"]
    canary = list(yaml.safe_load_all(await stage.artifact("deploy/api/k8s/canary-10.yaml")))
    ingress = next(o for o in canary if o["kind"] == "Ingress")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == "10"
    deployment = next(o for o in canary if o["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith("@sha256:" + "0" * 64)
