"""The tiering rule of tests/conftest.py holds: fast tests start no moto server and no kernel.

Each test here is itself fast; if the guard stopped working, the first would start a server
and the second a kernel, and both would fail on the missing refusal.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from synthaudit.demo.server import MotoServer


def test_a_fast_test_cannot_start_a_moto_server():
    with pytest.raises(RuntimeError, match="a fast test started a moto server: use one of the fixtures"):
        MotoServer().start()


def test_a_fast_test_cannot_start_a_jupyter_kernel(tmp_path):
    import papermill as pm

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "in.ipynb")
    with pytest.raises(RuntimeError, match="a fast test started a Jupyter kernel"):
        pm.execute_notebook(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3",
                            progress_bar=False)


def test_every_collected_test_using_a_slow_fixture_is_marked_slow(request):
    """Over the tests of this session (under ``-m "not slow"``: those selected as fast)."""
    rules = next(p for p in request.config.pluginmanager.get_plugins()
                 if getattr(p, "__file__", None) == str(Path(__file__).with_name("conftest.py")))
    items = request.session.items
    misfiled = [i.nodeid for i in items
                if rules.SLOW_FIXTURES.intersection(getattr(i, "fixturenames", ())) and not i.get_closest_marker("slow")]
    assert misfiled == []
    assert request.node in items and request.node.get_closest_marker("slow") is None
