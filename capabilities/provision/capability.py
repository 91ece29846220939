"""The provision stage: use or generate the service's Terraform, validate it, plan, apply.

    repository Terraform (infrastructure.path) or generated from infra_templates/terraform/
    -> python-hcl2 + reference checks + checkov (scan.fail_on)      always; a failure stops here
    -> terraform init, validate, plan                                 where terraform is installed
    -> apply                                                          see "protected" below
    -> outputs.json (endpoints) for deploy

**Approval.** A provider other than ``local`` is a protected environment. When its plan changes
something, this task does not apply: it adds ``apply:<service>`` (this capability, action
``apply``) with ``approval=True`` before the service's deploy. The approver reads the plan
artifact; once approved, the apply task plans again and applies only if the changes are the ones
approved (the plan's fingerprint), else it fails. The plan file itself is never shared: it holds
sensitive values. ``pipeline.approvals: [provision]`` approves the whole stage up front instead
(the task waited before it started), and it then applies at once.

**No terraform.** Generation and validation still run; the task succeeds with "generated and
validated; apply skipped: terraform not installed" when the service's runtime needs no cloud
infrastructure to be deployed (docker, kubernetes, local: the engine, cluster or router exist
without it), and fails for the cloud-only ones (ec2, lambda, a static site, a database): their
deploy could not reach infrastructure that was never applied.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from blackboard import Claim, TaskSpec

from ..base import Availability, Result
from ..context import Context
from ..errors import TaskFailed
from ..redact import Redactor
from ._checkov import checkov_bin
from ._source import Source, has_backend, terraform_source
from .terraform import Terraform, terraform_bin
from .validate import validate_folder

__all__ = ["Provision", "outputs_artifact"]

log = logging.getLogger(__name__)

SKIPPED = "generated and validated; apply skipped: terraform not installed"


def outputs_artifact(service: str) -> str:
    """What deploy reads: ``provision/<service>/outputs.json``."""
    return f"provision/{service}/outputs.json"


class Provision:
    name = "provision"

    def __init__(self, terraform: str = "terraform") -> None:
        self._terraform = terraform

    def available(self) -> Availability:
        if checkov_bin() is None:
            return Availability.no("checkov is not installed: Terraform is never applied unscanned")
        return Availability.yes()

    async def run(self, task: Claim, ctx: Context) -> Result:
        name = task.inputs["service"]
        action = task.inputs.get("action", "plan")
        config = await ctx.config()
        try:
            service = config.service(name)
        except KeyError:
            raise TaskFailed(f"service {name!r} is not in devops_orchestra.yaml") from None
        root = await ctx.checkout()
        source = await terraform_source(ctx, root, config, service)
        if isinstance(source, str):
            return Result(source, {"service": name, "applied": False, "generated": False})
        redactor = Redactor(config.secrets.keys)
        exe = terraform_bin(self._terraform)
        tf = self._terraform_for(exe, source, ctx, redactor)
        if tf is not None and source.generated is not None:
            await tf.fmt()
        prefix = f"provision/{name}"
        if source.generated is not None:
            for file in ("main.tf", "variables.tf", "outputs.tf", "terraform.tfvars.json"):
                text = (source.folder / file).read_text()
                await ctx.put_artifact(f"{prefix}/{file}", redactor(text), content_type=_type(file))

        validation = await validate_folder(
            source.folder, fail_on=config.scan.fail_on, ignore=config.scan.ignore, prefix=source.label
        )
        await ctx.put_artifact(
            f"{prefix}/checkov.sarif",
            json.dumps(validation.sarif(), indent=2),
            content_type="application/sarif+json",
        )
        await ctx.put_artifact(
            f"{prefix}/summary.md",
            validation.summary(f"Terraform of {name} ({source.origin})"),
            content_type="text/markdown",
        )
        if not validation.ok:
            raise TaskFailed(
                f"the {source.origin} Terraform of {name} ({source.label}) failed validation:\n"
                + validation.message()
            )
        data: dict[str, Any] = {
            "service": name,
            "origin": source.origin,
            "template": source.blueprint.template if source.blueprint else None,
            "findings": len(validation.findings),
            "applied": False,
            **({"ai": source.ai} if source.ai else {}),
        }
        verb = "generated" if source.origin == "generated" else "validated repository Terraform"
        if tf is None:
            if source.cloud_only:
                raise TaskFailed(
                    f"{SKIPPED}, and runtime {service.runtime} ({data['template']}) exists only as that "
                    "infrastructure: deploy could not reach it. Install terraform on a peer that serves "
                    f"provision, or apply provision/{name}/ yourself and run again."
                )
            summary = (
                SKIPPED
                if source.origin == "generated"
                else "validated; apply skipped: terraform not installed"
            )
            return Result(summary, data)

        await tf.init()
        problems = await tf.validate()
        if problems:
            raise TaskFailed(
                f"terraform validate rejected the Terraform of {name}:\n" + "\n".join(problems[:8])
            )
        plan = await tf.plan()
        await ctx.put_artifact(f"{prefix}/plan.txt", plan.text, content_type="text/plain")
        data |= {"plan": plan.summary, "changes": plan.changes, "fingerprint": plan.fingerprint}

        if action == "apply":
            approved = task.inputs.get("fingerprint")
            if plan.changes and approved != plan.fingerprint:
                raise TaskFailed(
                    f"the plan of {name} changed since it was approved ({plan.summary} now); "
                    "run the pipeline again to approve the new plan"
                )
        elif (
            plan.changes
            and _protected(config.deployment.provider)
            and "provision" not in config.pipeline.approvals
        ):
            apply_id = await self._ask_approval(task, ctx, plan.fingerprint)
            await ctx.emit("provision.planned", {"service": name, "plan": plan.summary, "approval": apply_id})
            return Result(
                f"{verb}; planned {plan.summary}; apply waits for approval ({apply_id})",
                data | {"approval": apply_id},
            )

        if plan.changes:
            await tf.apply(plan)
        outputs = await tf.outputs()
        await ctx.put_artifact(
            outputs_artifact(name),
            json.dumps(outputs, indent=2, sort_keys=True),
            content_type="application/json",
        )
        await ctx.emit(
            "provision.applied", {"service": name, "plan": plan.summary, "outputs": sorted(outputs)}
        )
        applied = f"applied {plan.summary}" if plan.changes else "no changes"
        return Result(f"{verb}; {applied}", data | {"applied": plan.changes, "outputs": outputs})

    def _terraform_for(
        self, exe: str | None, source: Source, ctx: Context, redactor: Redactor
    ) -> Terraform | None:
        if exe is None:
            return None
        cache = ctx.host.cache_dir / "terraform"
        state = (
            None if has_backend(source.folder) else cache / "state" / source.state_key / "terraform.tfstate"
        )
        env = source.generated.secret_env() if source.generated else {}
        return Terraform(
            exe, source.folder, state=state, plugin_cache=cache / "plugins", env=env, redactor=redactor
        )

    async def _ask_approval(self, task: Claim, ctx: Context, fingerprint: str) -> str:
        service = task.inputs["service"]
        apply_id = f"apply:{service}"
        deploy_id = f"deploy:{service}"
        blocked = {t.spec for t in await ctx.tasks() if t.state == "blocked"}
        spec = TaskSpec(
            id=apply_id,
            capability=self.name,
            inputs={**task.inputs, "action": "apply", "fingerprint": fingerprint},
            needs=(task.spec,),
            approval=True,
        )
        await ctx.add_tasks([spec], before={apply_id: [deploy_id]} if deploy_id in blocked else None)
        return apply_id


def _protected(provider: str) -> bool:
    """Every environment but the local one: a person approves what a cloud apply changes."""
    return provider != "local"


def _type(file: str) -> str:
    return "application/json" if file.endswith(".json") else "text/plain"
