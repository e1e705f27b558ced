"""Defer rfc3987_syntax's grammar build (2.5-3.5 s of every process) until it is used.

jsonschema imports rfc3987_syntax at its own import to register the "iri" format
checker, and that import compiles an Earley grammar with lark. nbformat imports
jsonschema, and papermill, scrapbook and nbconvert import nbformat: every kernel of a
run and the runner paid it, though nothing in the kit checks formats. The stand-in
module builds the real parser on its first use, so a format check that does run gets
the same answer as before.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

NAME = "rfc3987_syntax"

# One line for a kernel's start (ipykernel's exec_lines): binds no name in the notebook.
KERNEL_EXEC_LINE = "__import__('synthaudit.quickimport').quickimport.defer_iri_grammar()"


class _Deferred(types.ModuleType):
    """Stands in for rfc3987_syntax; the first attribute asked for imports the real one."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):  # the import system probes __path__, __spec__, ...: not a use
            raise AttributeError(attr)
        return getattr(_real(), attr)


def _real() -> types.ModuleType:
    if isinstance(sys.modules.get(NAME), _Deferred):
        del sys.modules[NAME]
    return importlib.import_module(NAME)


def _is_valid_syntax(term: str, value: str) -> bool:
    return _real().is_valid_syntax(term, value)


def defer_iri_grammar() -> None:
    """Put the stand-in in place unless rfc3987_syntax is absent or already imported."""
    if NAME in sys.modules or importlib.util.find_spec(NAME) is None:
        return
    stub = _Deferred(NAME, __doc__)
    stub.is_valid_syntax = _is_valid_syntax  # what jsonschema imports by name
    sys.modules[NAME] = stub
