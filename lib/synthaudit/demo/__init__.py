"""The simulated healthcare estate: a moto server seeded with a realistic organisation."""
from __future__ import annotations

from pathlib import Path

from synthaudit.demo.server import MotoServer


def start_demo_estate(log_path: Path | None = None) -> MotoServer:
    """Start a moto server on loopback that builds the demo estate into itself before it serves
    (``moto_launcher --build-demo``); it answers once the estate stands."""
    return MotoServer(log_path=log_path, build_demo=True).start()
