"""The fullstack example's API: a tiny item store.

Create a file named BROKEN next to this one (or set FULLSTACK_BROKEN=1) to ship a bad version:
served for real, half of its API answers 500 — a regression its unit tests do not see — which
the canary analysis catches and rolls back.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from flask import Flask, abort, jsonify, request

app = Flask(__name__)

VERSION = os.environ.get("ORCHESTRA_VERSION", "dev")
BROKEN = os.environ.get("FULLSTACK_BROKEN") == "1" or (Path(__file__).parent / "BROKEN").exists()
ITEMS: dict[int, dict[str, object]] = {1: {"id": 1, "name": "first item"}}


def next_id() -> int:
    return max(ITEMS, default=0) + 1


def validate_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name must be a non-empty string")
    if len(name) > 100:
        raise ValueError("name is longer than 100 characters")
    return name.strip()


@app.before_request
def misbehave() -> None:
    if app.config.get("BROKEN") and request.path.startswith("/api/") and random.random() < 0.5:  # noqa: S311
        abort(500)


@app.route("/health")
def health():
    return jsonify(status="ok", version=VERSION)


@app.route("/api/greeting")
def greeting():
    return jsonify(message=os.environ.get("GREETING", "hello"), version=VERSION)


@app.route("/api/items", methods=["GET"])
def list_items():
    return jsonify(items=list(ITEMS.values()))


@app.route("/api/items", methods=["POST"])
def add_item():
    try:
        name = validate_name((request.get_json(silent=True) or {}).get("name"))
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    item = {"id": next_id(), "name": name}
    ITEMS[item["id"]] = item
    return jsonify(item), 201


@app.route("/api/items/<int:item_id>")
def get_item(item_id: int):
    item = ITEMS.get(item_id)
    if item is None:
        abort(404)
    return jsonify(item)


if __name__ == "__main__":
    app.config["BROKEN"] = BROKEN  # only when served: the tests use the app without it
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
