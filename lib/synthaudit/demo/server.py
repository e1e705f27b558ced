"""The simulated estate's moto server: a real HTTP server on loopback, owned by a handle.

Started by the runner and by test fixtures; stopped by the same handle, also on
failure. Kernels reach it through ``AWS_ENDPOINT_URL`` with dummy credentials.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MotoServer:
    """Handle on one moto server process. Use as a context manager or call stop()."""

    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment a kernel needs to reach this estate (no real credentials)."""
        return {**DUMMY_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url}

    def start(self, timeout: float = 60.0) -> "MotoServer":
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(DUMMY_CREDENTIALS)
        env["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
        env.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synthaudit.demo.moto_launcher", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=log, stderr=log, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited with code {self.process.returncode} while starting")
            try:
                urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1).read(1)
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.endpoint_url} within {timeout:.0f}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> "MotoServer":
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
