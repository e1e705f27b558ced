"""The simulated estate's moto server: a real HTTP server on loopback, owned by a handle.

Started by the runner and by test fixtures; stopped by the same handle, also on
failure. Kernels reach it through ``AWS_ENDPOINT_URL`` with dummy credentials.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _tail(log, limit: int = 4000) -> str:
    """The end of the server's output (the traceback of a failed start): a path or a readable file."""
    try:
        if isinstance(log, Path):
            return log.read_bytes()[-limit:].decode("utf-8", "replace")
        log.flush()
        log.seek(0)
        return log.read()[-limit:].decode("utf-8", "replace")
    except (OSError, ValueError, AttributeError):
        return "(no server output kept)"


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
    build_demo: bool = False  # the process builds the demo estate before it serves (moto_launcher --build-demo)
    build_report_path: Path | None = None  # with build_demo: where the launcher writes what it planted

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment a kernel needs to reach this estate (no real credentials)."""
        return {**DUMMY_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url}

    def start(self, timeout: float | None = None) -> "MotoServer":
        """Start the process and wait until it answers (with ``build_demo``: until the estate stands)."""
        timeout = timeout or (600.0 if self.build_demo else 60.0)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(DUMMY_CREDENTIALS)
        env["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
        env.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")
        log = open(self.log_path, "ab") if self.log_path else tempfile.TemporaryFile()
        command = [sys.executable, "-m", "synthaudit.demo.moto_launcher", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.build_demo:
            command.append("--build-demo")
            if self.build_report_path is not None:
                command += ["--build-report", str(self.build_report_path)]
        self.process = subprocess.Popen(command,
                                        env=env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited with code {self.process.returncode} while starting"
                                   f"{' (building the demo estate)' if self.build_demo else ''}:\n{_tail(self.log_path or log)}")
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
