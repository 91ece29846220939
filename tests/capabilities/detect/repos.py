"""Fixture repositories for detect(): the files of one small repository per stack."""

from __future__ import annotations

import json

from .conftest import Files

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
