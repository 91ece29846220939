"""detect() on fixture repositories, one table row per stack; then layouts, pruning and evidence."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from capabilities.detect import RepoStack, ServiceStack, detect, detect_service

from .cases import CASES, Case
from .conftest import write_tree
from .repos import (
    DJANGO,
    EXPRESS,
    FASTAPI_PEP621,
    FLASK_APP_RUN,
    GO_GIN,
    MAVEN_SPRING,
    NEXT,
    VITE_REACT,
)

Repo = Callable[..., Path]


def only(stack: RepoStack) -> ServiceStack:
    assert len(stack.services) == 1, stack.services
    return stack.services[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_single_service(repo: Repo, case: Case) -> None:
    stack = detect(repo(case.files, name="my_service"))
    service = only(stack)
    assert (service.name, service.path) == ("my-service", ".")
    assert not stack.monorepo
    actual = {key: getattr(service, key) for key in case.expect}
    assert actual == case.expect, service.evidence
    for wanted in case.evidence:
        assert any(wanted in line for line in service.evidence), (wanted, service.evidence)
    assert service.evidence and all(line.strip() for line in service.evidence)


def test_monorepo_frontend_and_backend(repo: Repo) -> None:
    root = repo(
        {
            **{f"frontend/{k}": v for k, v in VITE_REACT.items()},
            **{f"backend/{k}": v for k, v in FLASK_APP_RUN.items()},
        }
    )
    stack = detect(root)
    assert stack.monorepo
    assert [(s.name, s.path, s.language, s.framework) for s in stack.services] == [
        ("backend", "backend", "python", "flask"),
        ("frontend", "frontend", "node", "vite"),
    ]
    assert stack.service("frontend").static_root == "dist"
    assert stack.service("backend").port == 5001
    assert stack.root == root


def test_monorepo_static_frontend(repo: Repo) -> None:
    stack = detect(
        repo({"frontend/index.html": "<p>hi</p>", **{f"backend/{k}": v for k, v in GO_GIN.items()}})
    )
    assert [(s.name, s.language) for s in stack.services] == [("backend", "go"), ("frontend", "static")]


def test_services_and_apps_folders(repo: Repo) -> None:
    files = {
        **{f"services/orders_api/{k}": v for k, v in FASTAPI_PEP621.items()},
        **{f"services/billing/{k}": v for k, v in MAVEN_SPRING.items()},
        **{f"apps/web/{k}": v for k, v in NEXT.items()},
        "services/README.md": "not a service\n",
        "services/empty/notes.txt": "nothing\n",
        "package.json": json.dumps({"name": "mono", "private": True, "workspaces": ["apps/*"]}),
    }
    stack = detect(repo(files))
    assert [(s.name, s.path, s.language) for s in stack.services] == [
        ("billing", "services/billing", "java"),
        ("orders-api", "services/orders_api", "python"),
        ("web", "apps/web", "node"),
    ]
    assert stack.service("web").package_manager == "pnpm"


def test_lockfile_at_the_workspace_root(repo: Repo) -> None:
    files = {**{f"apps/web/{k}": v for k, v in NEXT.items() if k != "pnpm-lock.yaml"}, "yarn.lock": ""}
    web = detect(repo(files)).service("web")
    assert web.package_manager == "yarn"
    assert "package_manager yarn: yarn.lock at the repository root" in web.evidence


def test_duplicate_folder_names_stay_unique(repo: Repo) -> None:
    files = {
        **{f"services/web/{k}": v for k, v in EXPRESS.items()},
        **{f"apps/web/{k}": v for k, v in NEXT.items()},
    }
    assert [s.name for s in detect(repo(files)).services] == ["web", "apps-web"]


def test_root_service_joins_its_folders_when_it_is_a_web_app(repo: Repo) -> None:
    files = {**FLASK_APP_RUN, **{f"frontend/{k}": v for k, v in VITE_REACT.items()}}
    stack = detect(repo(files, name="Shop Front"))
    assert [(s.name, s.path) for s in stack.services] == [("shop-front", "."), ("frontend", "frontend")]


def test_a_tooling_only_root_does_not_borrow_its_folders_code(repo: Repo) -> None:
    files = {
        "pyproject.toml": "[tool.ruff]\nline-length = 100\n",
        **{f"backend/{k}": v for k, v in FLASK_APP_RUN.items()},
        **{f"frontend/{k}": v for k, v in EXPRESS.items()},
    }
    assert [s.name for s in detect(repo(files)).services] == ["backend", "frontend"]


def test_client_and_server_subfolders_without_a_root_manifest(repo: Repo) -> None:
    files = {
        **{f"server/{k}": v for k, v in EXPRESS.items()},
        **{f"client/{k}": v for k, v in VITE_REACT.items()},
        "docs/index.html": "<p>docs</p>",
    }
    assert [(s.name, s.framework) for s in detect(repo(files)).services] == [
        ("client", "vite"),
        ("server", "express"),
    ]


def test_two_manifests_the_runnable_one_wins(repo: Repo) -> None:
    files = {
        **DJANGO,
        "package.json": json.dumps({"scripts": {"build": "webpack"}, "devDependencies": {"webpack": "5"}}),
    }
    service = only(detect(repo(files)))
    assert (service.language, service.framework) == ("python", "django")
    assert any("also found node" in line for line in service.evidence)


def test_vendored_and_virtualenv_folders_are_never_read(repo: Repo) -> None:
    files = {
        **EXPRESS,
        "node_modules/evil/package.json": json.dumps({"name": "evil", "dependencies": {"next": "1"}}),
        "node_modules/evil/server.js": "app.get('/health-evil'); app.listen(9999)\n",
        ".venv/lib/python3.12/site-packages/flask/app.py": "app = Flask(__name__)\napp.run(port=9998)\n",
        "myenv/pyvenv.cfg": "home = /usr/bin\n",
        "myenv/lib/site.py": "app = FastAPI()\n",
    }
    root = repo(files)
    for i in range(3000):  # far more than a service's file budget: the walk must not descend
        (root / "node_modules" / "evil" / f"m{i}.js").write_text("module.exports = 1; app.listen(9997)\n")
    started = time.monotonic()
    service = only(detect(root))
    assert time.monotonic() - started < 5
    assert (service.framework, service.port, service.health_path) == ("express", 4000, "/health")
    assert not any("node_modules" in line or "9999" in line for line in service.evidence)


def test_a_package_only_inside_node_modules_is_not_a_service(repo: Repo) -> None:
    files = {
        "node_modules/left-pad/package.json": json.dumps({"name": "left-pad", "main": "index.js"}),
        "node_modules/left-pad/index.js": "module.exports = () => 1\n",
        "dist/bundle.js": "x",
    }
    service = only(detect(repo(files, name="empty")))
    assert (service.name, service.language) == ("empty", "unknown")


def test_detect_service_returns_none_for_an_empty_folder(tmp_path: Path) -> None:
    assert detect_service(tmp_path, "x", ".") is None


def test_unreadable_manifests_still_name_the_language(repo: Repo) -> None:
    node = only(detect(repo({"package.json": "{not json"}, name="broken-node")))
    assert node.language == "node" and any("not valid JSON" in line for line in node.evidence)
    python = only(
        detect(repo({"pyproject.toml": "[project\n", "main.py": "print(1\n"}, name="broken-python"))
    )
    assert python.language == "python" and python.start == ()


def test_oversized_files_are_not_read(repo: Repo) -> None:
    huge = "x = 1\n" * 200_000 + 'app = Flask(__name__)\nif __name__ == "__main__":\n    app.run(port=7777)\n'
    service = only(detect(repo({"requirements.txt": "flask\n", "app.py": huge})))
    assert service.framework == "flask" and service.port == 5000
    assert any("not confirmed by the code" in line for line in service.evidence)


def test_write_tree_helper_dedents(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"a/b.txt": "\n    x\n    y\n"})
    assert (root / "a" / "b.txt").read_text() == "x\ny\n"
