"""jest and mocha (under c8) as a project installs them from the npm registry: counts, coverage,
and a rerun of only the failed tests that finds the flaky one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from capabilities.envs import node_env
from capabilities.test.flaky import retry_failed
from capabilities.test.node import NodeSuite

pytestmark = pytest.mark.anyio

LIB = "exports.add = (a, b) => a + b;\nexports.sub = (a, b) => a - b;\n"
MOCHA_TEST = """const assert = require('assert');
const fs = require('fs');
const { add } = require('../lib');
describe('lib', () => {
  it('adds', () => assert.strictEqual(add(1, 2), 3));
  it('is flaky', () => {
    const first = !fs.existsSync(process.env.MARKER);
    fs.writeFileSync(process.env.MARKER, '');
    assert.ok(!first, 'fails the first time');
  });
});
"""
JEST_TEST = """const fs = require('fs');
const { add } = require('../lib');
describe('lib', () => {
  test('adds', () => expect(add(1, 2)).toBe(3));
  test('is flaky', () => {
    const first = !fs.existsSync(process.env.MARKER);
    fs.writeFileSync(process.env.MARKER, '');
    expect(first).toBe(false);
  });
  test('is wrong', () => expect(add(1, 2)).toBe(4));
});
"""
PROJECTS = {
    "mocha": ({"mocha": "^10.4.0", "c8": "^9.1.0"}, "test/lib.test.js", MOCHA_TEST),
    "jest": ({"jest": "^29.7.0"}, "__tests__/lib.test.js", JEST_TEST),
}


@pytest.mark.timeout(400)
@pytest.mark.parametrize("runner", sorted(PROJECTS))
async def test_node_runner(runner: str, tmp_path: Path, cache_dir: Path) -> None:
    deps, test_file, test_source = PROJECTS[runner]
    project = tmp_path / "project"
    (project / test_file).parent.mkdir(parents=True)
    package = {"name": "p", "version": "1.0.0", "scripts": {"test": runner}, "devDependencies": deps}
    (project / "package.json").write_text(json.dumps(package))
    (project / "lib.js").write_text(LIB)
    (project / test_file).write_text(test_source)
    await node_env(project, cache_dir)
    work = tmp_path / "work"
    work.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MARKER": str(tmp_path / "marker")}
    suite = NodeSuite(project, ["npm", "test"], work, env, 300)

    first = await suite.run()
    assert first.runner == runner
    failing = {c.name for c in first.report.failures}
    assert failing == ({"lib is flaky", "lib is wrong"} if runner == "jest" else {"lib is flaky"})
    assert first.report.count("passed") == 1
    assert first.coverage is not None and set(first.coverage.files) == {"lib.js"}
    assert first.coverage.percent == 100.0
    assert first.junit_xml and "<testcase" in first.junit_xml

    retry = await retry_failed(suite, first.report)
    assert retry.rerun and [c.name for c in retry.flaky] == ["lib is flaky"]
    assert {c.name for c in retry.report.failures} == failing - {"lib is flaky"}
