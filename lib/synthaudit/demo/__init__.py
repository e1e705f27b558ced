"""The simulated healthcare estate: a moto server seeded with a realistic organisation."""
from __future__ import annotations

from pathlib import Path

from synthaudit.demo.server import MotoServer


def start_demo_estate(log_path: Path | None = None) -> MotoServer:
    """Start a moto server on loopback and seed the demo estate into it (from this one process)."""
    server = MotoServer(log_path=log_path).start()
    try:
        from synthaudit.demo.estate import build

        build(server.endpoint_url)
    except BaseException:
        server.stop()
        raise
    return server
