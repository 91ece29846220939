"""detect() on fixture repositories, one table row per stack; then layouts, pruning and evidence."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from capabilities.detect import RepoStack, ServiceStack, detect, detect_service

from .conftest import Files, write_tree

Repo = Callable[..., Path]

FLASK_APP_RUN: Files = {
    "requirements.txt": "flask==3.0.0  # web\ngunicorn>=21\n",
    "app.py": """
        from flask import Flask

        app = Flask(__name__)


        @app.route("/")
        def index():
            return "hello"


        @app.route("/health")
        def health():
            return {"ok": True}


        if __name__ == "__main__":
            app.run(host="0.0.0.0", port=5001)
        """,
}

FLASK_ENV_PORT: Files = {
    "requirements.txt": "Flask\n",
    "requirements-dev.txt": "-r requirements.txt\npytest==8.2\n",
    ".python-version": "3.12.1\n",
    "server.py": """
        import os

        from flask import Blueprint, Flask

        PORT = int(os.environ.get("PORT", 8081))
        ops = Blueprint("ops", __name__, url_prefix="/ops")


        @ops.route("/healthz")
        def healthz():
            return "ok"


        app = Flask(__name__)
        app.register_blueprint(ops)

        if __name__ == "__main__":
            app.run(port=PORT)
        """,
    "tests/test_server.py": "import pytest\n\n\ndef test_ok():\n    assert True\n",
}

FASTAPI_PEP621: Files = {
    "pyproject.toml": """
        [project]
        name = "shop-api"
        requires-python = ">=3.11"
        dependencies = ["fastapi>=0.110", "uvicorn[standard]>=0.29", "Pydantic_Settings"]

        [project.optional-dependencies]
        dev = ["pytest>=8"]
        """,
    "main.py": """
        import uvicorn
        from fastapi import FastAPI

        app = FastAPI(title="shop")


        @app.get("/healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}


        if __name__ == "__main__":
            uvicorn.run("main:app", port=8001, reload=True)
        """,
}

FASTAPI_SRC_FACTORY: Files = {
    "pyproject.toml": '[project]\nname = "shop"\ndependencies = ["fastapi"]\n',
    "src/shop/__init__.py": "",
    "src/shop/api.py": """
        from fastapi import APIRouter, FastAPI

        router = APIRouter(prefix="/ops")


        @router.get("/ready")
        def ready() -> str:
            return "ok"


        def create_app() -> FastAPI:
            app = FastAPI()
            app.include_router(router)
            return app
        """,
}

DJANGO: Files = {
    "requirements.txt": "Django>=5.0\npsycopg[binary]\n",
    "manage.py": """
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)
        """,
    "mysite/__init__.py": "",
    "mysite/settings.py": "DEBUG = True\n",
    "mysite/urls.py": """
        from django.urls import path

        from . import views

        urlpatterns = [path("", views.index), path("healthz/", views.health)]
        """,
    "polls/tests.py": "from django.test import TestCase\n",
}

POETRY: Files = {
    "pyproject.toml": """
        [tool.poetry]
        name = "orders"
        version = "0.1.0"

        [tool.poetry.dependencies]
        python = "^3.10"
        flask = "^3.0"

        [tool.poetry.group.dev.dependencies]
        pytest = "^8.0"
        """,
    "poetry.lock": "# lock\n",
    "orders/__init__.py": """
        from flask import Flask


        def create_app():
            app = Flask(__name__)

            @app.get("/ping")
            def ping():
                return "pong"

            return app
        """,
}

PIPFILE: Files = {
    "Pipfile": """
        [packages]
        flask = "*"

        [dev-packages]
        pytest = "*"

        [requires]
        python_version = "3.11"
        """,
    "wsgi.py": "from flask import Flask\n\napp = Flask(__name__)\n",
}

PYTHON_SCRIPT: Files = {
    "requirements.txt": "requests\n",
    "main.py": """
        import requests


        def main() -> None:
            print(requests.get("https://example.com").status_code)


        if __name__ == "__main__":
            main()
        """,
    "tests/test_main.py": "import unittest\n\n\nclass T(unittest.TestCase):\n    pass\n",
}

EXPRESS: Files = {
    "package.json": json.dumps(
        {
            "name": "api",
            "main": "server.js",
            "scripts": {"start": "node server.js", "test": "jest"},
            "dependencies": {"express": "^4.19.0"},
            "devDependencies": {"jest": "^29.0.0"},
            "engines": {"node": ">=20"},
        }
    ),
    "package-lock.json": "{}",
    "server.js": """
        const express = require('express');
        const app = express();
        const PORT = process.env.PORT || 4000;

        app.get('/health', (req, res) => res.json({ ok: true }));
        app.get('/users/:id', (req, res) => res.json({}));

        app.listen(PORT, () => console.log(`listening on ${PORT}`));
        """,
}

NODE_HTTP: Files = {
    "package.json": json.dumps(
        {"name": "tiny", "scripts": {"test": "node --test"}, "dependencies": {}}, indent=2
    ),
    "yarn.lock": "",
    ".nvmrc": "v18.19.0\n",
    "index.js": """
        const http = require('http');
        const port = 8088;
        http.createServer((req, res) => {
          if (req.url === '/healthz') { res.end('ok'); return; }
          res.end('hello');
        }).listen(port);
        """,
}

NEXT: Files = {
    "package.json": json.dumps(
        {
            "name": "web",
            "scripts": {"dev": "next dev", "build": "next build", "start": "next start"},
            "dependencies": {"next": "14.2.0", "react": "18.3.0", "react-dom": "18.3.0"},
        }
    ),
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "pages/index.js": "export default function Home() { return null }\n",
    "pages/api/health.js": "export default function handler(req, res) { res.status(200).end() }\n",
}

VITE_REACT: Files = {
    "package.json": json.dumps(
        {
            "name": "frontend",
            "scripts": {"dev": "vite", "build": "vite build", "test": "vitest run"},
            "dependencies": {"react": "^18.3.0", "react-dom": "^18.3.0"},
            "devDependencies": {"vite": "^5.2.0", "@vitejs/plugin-react": "^4.2.0", "vitest": "^1.6.0"},
        }
    ),
    "index.html": '<div id="root"></div><script type="module" src="/src/main.jsx"></script>\n',
    "src/main.jsx": "import React from 'react'\n",
}

CRA: Files = {
    "package.json": json.dumps(
        {
            "name": "legacy-ui",
            "scripts": {
                "start": "react-scripts start",
                "build": "react-scripts build",
                "test": "react-scripts test",
            },
            "dependencies": {"react": "^18.2.0", "react-dom": "^18.2.0", "react-scripts": "5.0.1"},
        }
    ),
    "public/index.html": "<div id=root></div>\n",
    "src/index.js": "import React from 'react'\n",
}

GO_GIN: Files = {
    "go.mod": """
        module example.com/api

        go 1.22.1

        require (
        \tgithub.com/gin-gonic/gin v1.10.0
        \tgithub.com/bytedance/sonic v1.11.6 // indirect
        )
        """,
    "main.go": """
        package main

        import "github.com/gin-gonic/gin"

        func main() {
        \tr := gin.Default()
        \tr.GET("/healthz", func(c *gin.Context) { c.String(200, "ok") })
        \tr.Run(":9090")
        }
        """,
    "main_test.go": "package main\n",
}

MAVEN_SPRING: Files = {
    "pom.xml": """
        <project>
          <parent>
            <groupId>org.springframework.boot</groupId>
            <artifactId>spring-boot-starter-parent</artifactId>
            <version>3.3.0</version>
          </parent>
          <artifactId>demo</artifactId>
          <properties><java.version>17</java.version></properties>
          <dependencies>
            <dependency>
              <groupId>org.springframework.boot</groupId>
              <artifactId>spring-boot-starter-web</artifactId>
            </dependency>
            <dependency>
              <groupId>org.springframework.boot</groupId>
              <artifactId>spring-boot-starter-actuator</artifactId>
            </dependency>
          </dependencies>
        </project>
        """,
    "src/main/resources/application.properties": "spring.application.name=demo\nserver.port=8085\n",
    "src/main/java/com/example/demo/DemoApplication.java": """
        package com.example.demo;

        @SpringBootApplication
        public class DemoApplication {
            public static void main(String[] args) { SpringApplication.run(DemoApplication.class, args); }
        }
        """,
    "src/test/java/com/example/demo/DemoApplicationTests.java": "package com.example.demo;\n",
}

GRADLE: Files = {
    "build.gradle.kts": """
        plugins {
            id("org.springframework.boot") version "3.3.0"
            java
        }
        java { toolchain { languageVersion.set(JavaLanguageVersion.of(21)) } }
        dependencies {
            implementation("org.springframework.boot:spring-boot-starter-web")
            testImplementation("org.springframework.boot:spring-boot-starter-test")
        }
        """,
    "src/main/resources/application.yml": "spring:\n  application:\n    name: inv\nserver:\n  port: 9000\n",
}

STATIC: Files = {"index.html": "<h1>hi</h1>\n", "style.css": "h1 {}\n"}
STATIC_PUBLIC: Files = {"public/index.html": "<h1>hi</h1>\n", "README.md": "# site\n"}
STATIC_WITH_TOOLING: Files = {
    "index.html": "<h1>hi</h1>\n",
    "package.json": json.dumps({"name": "site", "devDependencies": {"prettier": "^3.0.0"}}),
}

AIOHTTP_SETUP_PY: Files = {
    "setup.py": """
        from setuptools import setup

        setup(name="hooks", install_requires=["aiohttp>=3.9", "yarl"])
        """,
    "app.py": """
        from aiohttp import web


        async def health(request):
            return web.Response(text="ok")


        app = web.Application()
        app.router.add_get("/health", health)

        if __name__ == "__main__":
            web.run_app(app, port=8090)
        """,
}

GO_CMD: Files = {
    "go.mod": "module example.com/svc\n\ngo 1.21\n",
    "cmd/server/main.go": """
        package main

        import (
        \t"net/http"
        \t"os"
        )

        func main() {
        \tport := os.Getenv("PORT")
        \tif port == "" {
        \t\tport = "7070"
        \t}
        \thttp.HandleFunc("/livez", func(w http.ResponseWriter, r *http.Request) {})
        \thttp.ListenAndServe(":"+port, nil)
        }
        """,
    "internal/store/store.go": "package store\n",
}

NODE_TS: Files = {
    "package.json": json.dumps({"name": "ts", "dependencies": {"fastify": "^4.0.0"}}),
    "src/index.ts": "const app = Fastify();\napp.listen({ port: 3300, host: '0.0.0.0' });\n",
}

UNKNOWN: Files = {"README.md": "# nothing to run here\n", "notes.txt": "todo\n"}


@dataclass(frozen=True)
class Case:
    id: str
    files: Files
    expect: dict[str, Any]
    evidence: tuple[str, ...] = field(default=())
    """Substrings that some evidence line must contain."""


CASES = [
    Case(
        "flask-app-run",
        FLASK_APP_RUN,
        {
            "language": "python",
            "framework": "flask",
            "package_manager": "pip",
            "entry": "app:app",
            "start": ("python", "app.py"),
            "port": 5001,
            "health_path": "/health",
            "dependencies": ("flask", "gunicorn"),
            "test_framework": None,
            "test_command": (),
        },
        (
            "framework flask: requirements.txt; Flask() in app.py",
            "port 5001: app.run(..., port=5001) in app.py",
            "health /health: @app.route('/health') in app.py",
        ),
    ),
    Case(
        "flask-env-port",
        FLASK_ENV_PORT,
        {
            "framework": "flask",
            "entry": "server:app",
            "start": tuple("python -m flask --app server:app run --host 0.0.0.0 --port 8081".split()),
            "port": 8081,
            "health_path": "/ops/healthz",
            "test_framework": "pytest",
            "test_command": ("python", "-m", "pytest", "-q"),
            "runtime_version": "3.12",
            "dependencies": ("flask", "pytest"),
        },
        (
            "port 8081: app.run(port=PORT) in server.py",
            "binds 127.0.0.1",
            "runtime python 3.12: .python-version",
        ),
    ),
    Case(
        "fastapi-pep621",
        FASTAPI_PEP621,
        {
            "framework": "fastapi",
            "package_manager": "pip",
            "entry": "main:app",
            "start": tuple("python -m uvicorn main:app --host 0.0.0.0 --port 8001".split()),
            "port": 8001,
            "health_path": "/healthz",
            "test_framework": "pytest",
            "runtime_version": "3.11",
            "dependencies": ("fastapi", "uvicorn", "pydantic-settings", "pytest"),
        },
        (
            "framework fastapi: pyproject.toml; FastAPI() in main.py",
            "port 8001: uvicorn.run(..., port=8001) in main.py",
        ),
    ),
    Case(
        "fastapi-src-factory",
        FASTAPI_SRC_FACTORY,
        {
            "framework": "fastapi",
            "entry": "shop.api:create_app",
            "start": (
                *("python", "-m", "uvicorn", "shop.api:create_app", "--factory", "--app-dir", "src"),
                *("--host", "0.0.0.0", "--port", "8000"),
            ),
            "port": 8000,
            "health_path": "/ops/ready",
        },
        ("port 8000: fastapi default", "in factory create_app()"),
    ),
    Case(
        "django",
        DJANGO,
        {
            "framework": "django",
            "entry": "manage.py",
            "start": ("python", "manage.py", "runserver", "0.0.0.0:8000"),
            "port": 8000,
            "health_path": "/healthz/",
            "test_framework": "unittest",
            "test_command": ("python", "manage.py", "test"),
            "dependencies": ("django", "psycopg"),
        },
        ("framework django: requirements.txt; manage.py", "settings mysite.settings"),
    ),
    Case(
        "poetry",
        POETRY,
        {
            "framework": "flask",
            "package_manager": "poetry",
            "entry": "orders:create_app()",
            "start": tuple(
                "python -m flask --app orders:create_app() run --host 0.0.0.0 --port 5000".split()
            ),
            "port": 5000,
            "health_path": "/ping",
            "test_framework": "pytest",
            "runtime_version": "3.10",
            "dependencies": ("flask", "pytest"),
        },
        ("package_manager poetry: poetry.lock", "port 5000: flask default"),
    ),
    Case(
        "pipfile",
        PIPFILE,
        {
            "framework": "flask",
            "package_manager": "pipenv",
            "entry": "wsgi:app",
            "runtime_version": "3.11",
            "test_framework": "pytest",
            "dependencies": ("flask", "pytest"),
        },
        ("framework flask: Pipfile; Flask() in wsgi.py",),
    ),
    Case(
        "python-script",
        PYTHON_SCRIPT,
        {
            "framework": None,
            "entry": "main.py",
            "start": ("python", "main.py"),
            "port": None,
            "test_framework": "unittest",
            "test_command": ("python", "-m", "unittest", "discover", "-s", "tests"),
        },
        ("start python main.py: __main__ block in main.py",),
    ),
    Case(
        "express",
        EXPRESS,
        {
            "language": "node",
            "framework": "express",
            "package_manager": "npm",
            "entry": "server.js",
            "start": ("npm", "start"),
            "port": 4000,
            "health_path": "/health",
            "test_framework": "jest",
            "test_command": ("npm", "test"),
            "runtime_version": "20",
            "dependencies": ("express", "jest"),
            "static_root": None,
        },
        ("framework express: express in dependencies", "port 4000: process.env.PORT || 4000 in server.js"),
    ),
    Case(
        "node-http",
        NODE_HTTP,
        {
            "framework": None,
            "package_manager": "yarn",
            "entry": "index.js",
            "start": ("node", "index.js"),
            "port": 8088,
            "health_path": "/healthz",
            "test_framework": "node",
            "test_command": ("npm", "test"),
            "runtime_version": "18",
        },
        ("package_manager yarn: yarn.lock", "runtime node 18: .nvmrc"),
    ),
    Case(
        "next",
        NEXT,
        {
            "framework": "next",
            "package_manager": "pnpm",
            "start": ("npm", "start"),
            "port": 3000,
            "health_path": "/api/health",
            "static_root": None,
            "test_framework": None,
        },
        ("framework next: next in dependencies",),
    ),
    Case(
        "vite-react",
        VITE_REACT,
        {
            "framework": "vite",
            "entry": None,
            "start": (),
            "port": None,
            "static_root": "dist",
            "test_framework": "vitest",
            "test_command": ("npm", "test"),
        },
        ("framework vite: vite in devDependencies with react in dependencies", "static_root dist"),
    ),
    Case(
        "create-react-app",
        CRA,
        {
            "framework": "react",
            "port": None,
            "static_root": "build",
            "test_framework": "jest",
            "start": ("npm", "start"),
        },
        ("create-react-app",),
    ),
    Case(
        "go-gin",
        GO_GIN,
        {
            "language": "go",
            "framework": "gin",
            "package_manager": "go",
            "entry": ".",
            "start": ("go", "run", "."),
            "port": 9090,
            "health_path": "/healthz",
            "test_framework": "go",
            "test_command": ("go", "test", "./..."),
            "runtime_version": "1.22",
            "dependencies": ("github.com/gin-gonic/gin",),
        },
        ("framework gin: requires github.com/gin-gonic/gin in go.mod", 'port 9090: Run(":9090") in main.go'),
    ),
    Case(
        "maven-spring",
        MAVEN_SPRING,
        {
            "language": "java",
            "framework": "spring",
            "package_manager": "maven",
            "entry": "com.example.demo.DemoApplication",
            "start": ("mvn", "spring-boot:run"),
            "port": 8085,
            "health_path": "/actuator/health",
            "test_framework": "maven",
            "test_command": ("mvn", "-q", "test"),
            "runtime_version": "17",
        },
        ("port 8085: server.port=8085 in src/main/resources/application.properties",),
    ),
    Case(
        "gradle",
        GRADLE,
        {
            "framework": "spring",
            "package_manager": "gradle",
            "start": ("gradle", "bootRun"),
            "port": 9000,
            "test_framework": "gradle",
            "test_command": ("gradle", "test"),
            "runtime_version": "21",
        },
        ("application.yml",),
    ),
    Case(
        "static",
        STATIC,
        {"language": "static", "static_root": ".", "port": None, "start": (), "framework": None},
        ("language static: index.html",),
    ),
    Case(
        "static-with-tooling",
        STATIC_WITH_TOOLING,
        {"language": "static", "static_root": ".", "dependencies": ()},
        ("node manifest only holds tooling",),
    ),
    Case(
        "aiohttp-setup-py",
        AIOHTTP_SETUP_PY,
        {
            "framework": "aiohttp",
            "package_manager": "pip",
            "entry": "app:app",
            "start": ("python", "app.py"),
            "port": 8090,
            "health_path": "/health",
            "dependencies": ("aiohttp", "yarl"),
        },
        (
            "framework aiohttp: setup.py; web.Application() in app.py",
            "port 8090: web.run_app(..., port=8090)",
        ),
    ),
    Case(
        "go-cmd",
        GO_CMD,
        {
            "framework": None,
            "entry": "./cmd/server",
            "start": ("go", "run", "./cmd/server"),
            "port": 7070,
            "health_path": "/livez",
            "test_framework": None,
            "runtime_version": "1.21",
        },
        ('port 7070: port = "7070" in cmd/server/main.go',),
    ),
    Case(
        "node-typescript",
        NODE_TS,
        {"framework": "fastify", "entry": "src/index.ts", "start": (), "port": 3300},
        ("needs compiling", "port 3300: .listen({ port: 3300"),
    ),
    Case("static-public", STATIC_PUBLIC, {"language": "static", "static_root": "public", "port": None}),
    Case(
        "unknown",
        UNKNOWN,
        {"language": "unknown", "framework": None, "start": (), "port": None},
        ("language unknown: no requirements.txt",),
    ),
]


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
