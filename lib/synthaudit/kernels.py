"""The kernels of a run: started and ended so that phases side by side stay cheap and safe.

- ``lean_save_engine``: papermill's engine, saving the output notebook once per cell;
- ``tracked_kernel_manager``: nbclient's kernel manager, recording each kernel's pid
  (``kill_live_kernels`` for Ctrl-C) and letting a kernel that was asked to shut down
  exit in the background (``wait_for_kernels_to_exit`` joins them). On POSIX its kernels
  talk over IPC (unix sockets in a private temporary folder) rather than TCP on loopback,
  so nothing else on the machine can connect to them and ipykernel has no plain-text
  transport to warn about; a shutdown does not interrupt a kernel first (jupyter_client
  sends SIGINT before every shutdown request, which an idle kernel logs as "KeyboardInterrupt
  caught in kernel" on a phase that succeeded).
"""
from __future__ import annotations

import os
import signal
import tempfile
import threading
from typing import Any


def lean_save_engine() -> str:
    """papermill's engine, saving the notebook after each cell but not also before it.

    papermill rewrites the whole output notebook (deep copy, validation, indented JSON:
    0.1-0.3 s for a 1 MB notebook) when a cell starts and when it ends, markdown cells
    included, while the kernel waits. The save after each cell, the one on a failure and
    the final one stay, so a partial notebook still holds every finished cell; what it no
    longer records is the start time of a cell that was running when the runner itself died.
    """
    from papermill.engines import (
        NBClientEngine,
        NotebookExecutionManager,
        papermill_engines,
    )

    if "synthaudit" in papermill_engines._engines:
        return "synthaudit"

    class LeanSaves(NotebookExecutionManager):
        _starting_cell = False

        def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
            self._starting_cell = True
            try:
                super().cell_start(cell, cell_index=cell_index, **kwargs)
            finally:
                self._starting_cell = False

        def save(self, **kwargs: Any) -> None:
            if not self._starting_cell:
                super().save(**kwargs)

    class LeanSaveEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None,
                             progress_bar: bool = True, log_output: bool = False,
                             autosave_cell_every: int = 30, **kwargs: Any) -> Any:
            # papermill's Engine.execute_notebook with the manager above
            nb_man = LeanSaves(nb, output_path=output_path, progress_bar=progress_bar,
                               log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register("synthaudit", LeanSaveEngine)
    return "synthaudit"


_LIVE_KERNELS: set[int] = set()  # pids of the kernels this process started and has not yet seen end
_LIVE_LOCK = threading.Lock()


def tracked_kernel_manager() -> type:
    """nbclient's kernel manager, recording the kernel's pid so that Ctrl-C can end it."""
    from jupyter_client.manager import AsyncKernelManager

    class TrackedKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kwargs: Any) -> None:  # type: ignore[override]
            if os.name == "posix" and self.transport == "tcp":
                folder = tempfile.mkdtemp(prefix="synthaudit-k-")   # 0700: only this user reaches the sockets
                self.transport, self.ip = "ipc", os.path.join(folder, "kernel")
                self._ipc_folder = folder
            await super().start_kernel(**kwargs)
            self._tracked_pid = getattr(self.provisioner, "pid", None)
            if self._tracked_pid:
                with _LIVE_LOCK:
                    _LIVE_KERNELS.add(self._tracked_pid)

        async def _async_finish_shutdown(self, waittime: float | None = None, pollinterval: float = 0.1,
                                         restart: bool = False) -> None:
            # The kernel has its shutdown request: let it exit off the phase's clock (1-2 s of
            # interpreter teardown) while the next phase starts; run_phases waits for it at the end.
            process = getattr(self.provisioner, "process", None)
            if restart or process is None:
                await super()._async_finish_shutdown(waittime, pollinterval, restart)
                return
            wait = max(self.shutdown_wait_time if waittime is None else waittime, 0)
            reaper = threading.Thread(target=_reap, args=(process, wait), name="kernel-reaper", daemon=True)
            with _LIVE_LOCK:
                _REAPERS.append(reaper)
            reaper.start()

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:  # the shutdown request ends the kernel; a SIGINT first only adds noise
                return
            await super()._async_interrupt_kernel()

        async def cleanup_resources(self, restart: bool = False) -> None:  # type: ignore[override]
            with _LIVE_LOCK:
                _LIVE_KERNELS.discard(getattr(self, "_tracked_pid", None))
            await super().cleanup_resources(restart=restart)
            folder = getattr(self, "_ipc_folder", None)
            if folder and not restart:
                import shutil

                shutil.rmtree(folder, ignore_errors=True)

    return TrackedKernelManager


_REAPERS: list[threading.Thread] = []


def _reap(process: Any, wait: float) -> None:
    """What jupyter_client does after a shutdown request: wait, then SIGTERM, then SIGKILL."""
    import subprocess

    for end in (None, process.terminate, process.kill):
        if end is not None:
            try:
                end()
            except OSError:
                pass
        try:
            process.wait(timeout=wait / 2 if end is not process.kill else None)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_for_kernels_to_exit() -> None:
    """Join the kernels still shutting down, so none outlives the phases (and the hygiene scan)."""
    while True:
        with _LIVE_LOCK:
            if not _REAPERS:
                return
            reaper = _REAPERS.pop()
        reaper.join()


def kill_live_kernels() -> None:
    """End the kernels still running (Ctrl-C): their phases then fail as 'the kernel died'."""
    with _LIVE_LOCK:
        pids = list(_LIVE_KERNELS)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


