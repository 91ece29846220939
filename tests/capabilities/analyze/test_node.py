"""The Node analyzers' rules: import extraction, how a file is checked, node's error report."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.analyze import Target, analyze_node
from capabilities.analyze._jsimports import package_of, required_packages, strip_comments
from capabilities.analyze.node import input_type, parse_check_output

from .conftest import write_repo

pytestmark = pytest.mark.anyio


def test_required_packages_skip_comments_type_imports_and_prose() -> None:
    source = """// require("commented")
/* import x from "blockc" */
const e = require('express');
import a, { b as c } from '@scope/pkg/sub';
import {
  x,
} from 'multi';
import 'side-effect';
export * from "reexp";
import type { T } from 'typeonly';
const m = await import('dyn');
console.log("loaded from 'cache'");
const u = 'http://x//y'; const q = require.resolve('after-url');
"""
    assert [p for p, _, _ in required_packages(source)] == [
        "express",
        "@scope/pkg",
        "multi",
        "side-effect",
        "reexp",
        "dyn",
        "after-url",
    ]
    assert [line for _, line, _ in required_packages(source)][:3] == [3, 4, 5]


@pytest.mark.parametrize(
    ("spec", "package"),
    [
        ("lodash/fp", "lodash"),
        ("@scope/name/x", "@scope/name"),
        ("./local", None),
        ("node:fs", None),
        ("/abs", None),
    ],
)
def test_package_of(spec: str, package: str | None) -> None:
    assert package_of(spec) == package


def test_comment_stripping_keeps_strings_and_lines() -> None:
    text = "const a = '// not a comment'; // gone\n/* x\n y */ const b = 1;\n"
    stripped = strip_comments(text)
    assert "'// not a comment'" in stripped and "gone" not in stripped and stripped.count("\n") == 3


def test_input_type(tmp_path: Path) -> None:
    write_repo(
        tmp_path, {"package.json": "{}", "a.js": "", "esm/package.json": '{"type": "module"}', "esm/b.js": ""}
    )
    assert input_type(tmp_path / "a.js", "const a = require('x');\n", tmp_path) == "commonjs"
    assert input_type(tmp_path / "a.js", "import x from 'x';\n", tmp_path) == "module"
    assert input_type(tmp_path / "esm" / "b.js", "const a = 1;\n", tmp_path) == "module"
    assert input_type(tmp_path / "c.cjs", "", tmp_path) == "commonjs"


def test_parse_check_output() -> None:
    report = (
        "[stdin]:3\nfunction (req) {\n         ^\n\n"
        "SyntaxError: Function statements require a function name\n    at x\n"
    )
    assert parse_check_output(report) == (3, 10, "SyntaxError: Function statements require a function name")


async def test_an_ambiguous_js_file_with_esm_syntax_and_an_error_is_caught(tmp_path: Path) -> None:
    # Node 20's own `node --check file.js` exits 0 on this file: the analyzer must not
    write_repo(
        tmp_path, {"package.json": '{"name": "w"}', "a.js": "import x from './y.js';\nexport const = 1;\n"}
    )
    outcome = await analyze_node(Target(tmp_path, tmp_path, ""), tmp_path / "cache")
    assert [(f.file, f.line, f.rule) for f in outcome.findings] == [("a.js", 2, "syntax-error")]
    assert outcome.skipped == {"eslint": "not configured"}
