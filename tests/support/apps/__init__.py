"""Tiny real HTTP apps used as deployable versions: write one into a folder with a behaviour."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

APP = Path(__file__).with_name("app.py")


def write_app(folder: Path, name: str = "web", **behavior: Any) -> Path:
    """``folder`` becomes a one-service repository: app.py, behavior.json and a config.

    A behaviour is: error_rate, errors_after, leak_after, leak_kb, delay_ms, unhealthy (see
    app.py). Writing a different behaviour into the same folder makes a new version.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(APP, folder / "app.py")
    (folder / "behavior.json").write_text(json.dumps(behavior))
    return folder
