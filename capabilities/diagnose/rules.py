"""Known failures recognised from logs, each with a fix the next attempt can apply.

These are the rules: exact, cheap, and trusted to change a release. Retrieval over the
knowledge base and the LLM (which explain, and suggest) build on top of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# import name -> distribution name, where they differ (the reverse of what analyze checks)
DISTRIBUTIONS = {
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "bs4": "beautifulsoup4",
    "sklearn": "scikit-learn",
    "dateutil": "python-dateutil",
    "cv2": "opencv-python-headless",
    "psycopg2": "psycopg2-binary",
    "jwt": "PyJWT",
    "attr": "attrs",
    "dotenv": "python-dotenv",
    "magic": "python-magic",
    "Crypto": "pycryptodome",
    "serial": "pyserial",
    "usb": "pyusb",
    "git": "GitPython",
    "google.protobuf": "protobuf",
    "zmq": "pyzmq",
}


@dataclass(frozen=True)
class Match:
    rule: str
    title: str
    evidence: str
    fixes: list[dict[str, Any]] = field(default_factory=list)


Rule = Callable[[str], Match | None]


def missing_python_module(log: str) -> Match | None:
    m = re.search(r"(?:ModuleNotFoundError|ImportError): No module named ['\"]?([A-Za-z0-9_.]+)['\"]?", log)
    if not m:
        return None
    module = m.group(1)
    top = module.split(".")[0]
    package = DISTRIBUTIONS.get(module) or DISTRIBUTIONS.get(top) or top.replace("_", "-")
    return Match(
        "missing-module",
        f"the code imports {top!r}, which the requirements do not install",
        m.group(0),
        [{"kind": "add_requirement", "package": package, "module": top}],
    )


def missing_node_module(log: str) -> Match | None:
    m = re.search(r"Cannot find module ['\"]([^'\"./][^'\"]*)['\"]", log)
    if not m:
        return None
    name = m.group(1)
    package = "/".join(name.split("/")[:2]) if name.startswith("@") else name.split("/")[0]
    return Match(
        "missing-module",
        f"the code requires {package!r}, which package.json does not declare",
        m.group(0),
        [{"kind": "add_npm_package", "package": package}],
    )


def port_in_use(log: str) -> Match | None:
    m = re.search(
        r"(?:Address already in use|EADDRINUSE|address already in use|port (\d+) is already allocated|"
        r"Port (\d+) is in use)[^\n]*",
        log,
    )
    if not m:
        return None
    port = next((int(g) for g in m.groups() if g), None)
    return Match(
        "port-in-use",
        "the port the service wanted is taken by another process",
        m.group(0),
        [{"kind": "free_port", **({"port": port} if port else {})}],
    )


RULES: tuple[Rule, ...] = (missing_python_module, missing_node_module, port_in_use)


def recognise(log: str) -> list[Match]:
    return [m for rule in RULES if (m := rule(log))]
