"""``python -m capabilities.router --listen 127.0.0.1:5000 --admin 127.0.0.1:0 --state-file F``"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import anyio

from .server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m capabilities.router", description=__doc__)
    parser.add_argument("--listen", required=True, help="host:port for traffic (port 0: a free one)")
    parser.add_argument("--admin", default="127.0.0.1:0", help="host:port of the admin API")
    parser.add_argument("--state-file", type=Path, help="where the ports and the route table are kept")
    parser.add_argument("--name", default="", help="project/service, for the logs")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds an upstream may take")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    backend_options: dict[str, object] = {}
    try:
        import uvloop  # noqa: F401

        backend_options["use_uvloop"] = True
    except ImportError:
        pass
    anyio.run(
        lambda: serve(
            args.listen, args.admin, state_file=args.state_file, name=args.name, timeout_s=args.timeout
        ),
        backend="asyncio",
        backend_options=backend_options,
    )


if __name__ == "__main__":
    main()
