"""The Python analyzers' rules, on source written into tmp_path (no board needed)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from capabilities.analyze import Target, analyze_python, service_target
from capabilities.analyze._imports import import_names, requirement_name
from capabilities.analyze._pyimports import imports_of, is_test_file
from capabilities.analyze.python import ruff_config, ruff_level
from capabilities.config.models import OrchestraConfig

from .conftest import write_repo

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("dist", "name"),
    [
        ("PyYAML", "yaml"),
        ("Pillow", "PIL"),
        ("beautifulsoup4", "bs4"),
        ("scikit-learn", "sklearn"),
        ("python-dateutil", "dateutil"),
        ("opencv-python-headless", "cv2"),
        ("psycopg2-binary", "psycopg2"),
        ("PyJWT", "jwt"),
        ("attrs", "attr"),
        ("protobuf", "google"),
        ("setuptools", "pkg_resources"),
        ("Flask_SQLAlchemy", "flask_sqlalchemy"),
        ("python-dotenv", "dotenv"),
        ("zope.interface", "zope"),
        ("google-cloud-storage", "google"),
    ],
)
def test_distribution_names_map_to_import_names(dist: str, name: str) -> None:
    assert name in import_names(dist)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("flask>=3.0,<4", "flask"),
        ("uvicorn[standard]==0.30 ; python_version >= '3.11'", "uvicorn"),
        ("mypkg @ https://example.org/mypkg-1.0.tar.gz", "mypkg"),
        ("git+https://github.com/org/repo.git#egg=thing", "thing"),
        ("https://example.org/x.whl", None),
    ],
)
def test_requirement_names(line: str, name: str | None) -> None:
    assert requirement_name(line) == name


def test_guarded_and_type_checking_imports_are_optional() -> None:
    source = textwrap.dedent(
        """
        import a.b
        from c.d import e
        from . import local
        try:
            import f
        except (ImportError, AttributeError):
            f = None
        try:
            import g
        except KeyError:
            pass
        if TYPE_CHECKING:
            import h
        if sys.version_info < (3, 11):
            import tomli
        def later():
            import i
        """
    )
    found = {name: guarded for name, _, _, guarded in imports_of(ast.parse(source))}
    assert found == {"a": False, "c": False, "f": True, "g": False, "h": True, "tomli": True, "i": False}


@pytest.mark.parametrize(
    ("path", "test"),
    [
        ("tests/test_app.py", True),
        ("test_x.py", True),
        ("pkg/x_test.py", True),
        ("conftest.py", True),
        ("app.py", False),
    ],
)
def test_test_files(path: str, test: bool) -> None:
    assert is_test_file(Path(path)) is test


def test_ruff_levels() -> None:
    assert [ruff_level(c) for c in ("F821", "E902", "F632", "F706", "F822", "F401", "E711")] == [
        "error",
        "error",
        "error",
        "error",
        "error",
        "warning",
        "warning",
    ]


def test_the_nearest_ruff_config_counts(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "pyproject.toml": "[tool.ruff]\nline-length = 100\n",
            "svc/pyproject.toml": "[project]\nname = 'x'\n",
        },
    )
    assert ruff_config(tmp_path / "svc", tmp_path) == tmp_path / "pyproject.toml"
    (tmp_path / "svc" / "ruff.toml").write_text("line-length = 90\n")
    assert ruff_config(tmp_path / "svc", tmp_path) == tmp_path / "svc" / "ruff.toml"


async def test_test_files_may_import_dev_requirements_and_nested_projects_declare_their_own(
    tmp_path: Path,
) -> None:
    write_repo(
        tmp_path,
        {
            "requirements.txt": "flask\n",
            "requirements-dev.txt": "hypothesis\n",
            "app.py": "import flask\nimport werkzeug\nimport hypothesis\n",
            "tests/test_app.py": "import pytest\nimport hypothesis\nimport helpers\nimport app\n",
            "tests/helpers.py": "",
            "tools/requirements.txt": "click\n",
            "tools/cli.py": "import click\nimport flask\n",
        },
    )
    outcome = await analyze_python(Target(tmp_path, tmp_path, ""))
    found = {
        (f.file, f.rule, f.level, f.message.split("`")[1]) for f in outcome.findings if f.tool == "imports"
    }
    assert found == {
        ("app.py", "transitive-module", "warning", "werkzeug"),
        ("app.py", "optional-module", "warning", "hypothesis"),
        ("tools/cli.py", "missing-module", "error", "flask"),
    }


async def test_a_root_service_leaves_nested_services_to_their_own_analysis(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "requirements.txt": "",
            "app.py": "print(undefined_a)\n",
            "sub/requirements.txt": "",
            "sub/app.py": "print(undefined_b)\n",
        },
    )
    config = OrchestraConfig.model_validate(
        {"deployment": {"services": [{"name": "root", "path": "."}, {"name": "sub", "path": "sub"}]}}
    )
    root = await analyze_python(service_target(tmp_path, config, config.service("root")))
    sub = await analyze_python(service_target(tmp_path, config, config.service("sub")))
    assert [(f.file, f.rule) for f in root.findings] == [("app.py", "F821")]
    assert [(f.file, f.rule) for f in sub.findings] == [("sub/app.py", "F821")]
