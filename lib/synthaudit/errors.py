"""The kit's errors: one base class, one named subclass per kind of bad input.

Modelled on papermill's exceptions: a caller catches ``SynthauditError`` and prints
one line (the CLI does, and exits 2); code that needs to tell kinds apart catches the
subclass. Each error may carry where the problem is (``path``, ``key``) and what to do
(``hint``) as attributes, so a scheduler or a test can read them without parsing the
message. The subclasses keep the builtin base they always had (``ValueError``,
``RuntimeError``, ``PermissionError``), so ``except ValueError`` around a reader still
catches its bad input.
"""
from __future__ import annotations

from pathlib import Path


class SynthauditError(Exception):
    """Bad input or an environment the kit cannot work in; the message says what and where."""

    def __init__(self, message: str, *, path: str | Path | None = None, key: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.key = key
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.path and self.path not in text:
            text = f"{self.path}: {text}"
        if self.key and self.key not in text:
            text = f"{text} (key {self.key})"
        if self.hint and self.hint not in text:
            text = f"{text}; {self.hint}"
        return text


class ParamsError(SynthauditError, ValueError):
    """A params file that cannot be used; the message names file, key and fix."""


class CatalogueError(SynthauditError, ValueError):
    """A catalogue or framework file that does not match its schema; names the file and the entry."""


class SnapshotError(SynthauditError, ValueError):
    """A snapshot folder or one of its files that cannot be read; names the file and what to do."""


class PolicyError(SynthauditError, ValueError):
    """A policy document that cannot be evaluated; the message names policy and statement."""


class ConditionError(SynthauditError, ValueError):
    """A condition operator IAM does not know, or a value it cannot compare."""


class EventsError(SynthauditError, ValueError):
    """A CloudTrail events table that exists but cannot be used; names the file and the fix."""


class CacheWriteError(SynthauditError, RuntimeError):
    """The CloudTrail Parquet cache could not be written (disk full, permissions, a file in the way).

    Not a read error: the batch's log files are fine and stay out of the ledger, so the next
    run reads them again (a read error would mark them corrupt for good)."""


class ExceptionsError(SynthauditError, ValueError):
    """An exceptions file that cannot be used; names the file, the entry and the fix."""


class UploadError(SynthauditError, RuntimeError):
    """The evidence upload cannot go ahead or did not complete; names the bucket, object and why."""


class InputError(SynthauditError, ValueError):
    """A dataset input that cannot be used; the message names the location and the fix."""


class UsageError(SynthauditError, ValueError):
    """A command line the kit cannot act on: an unknown phase, a missing or conflicting option."""


class ReadOnlyViolation(SynthauditError, PermissionError):
    """A session of the kit attempted a non-read call; refused before it was sent."""


class DiscoveryError(SynthauditError, RuntimeError):
    """The organisation could not be read or gave no account to audit; names the credentials and the error."""


class PreflightError(SynthauditError, RuntimeError):
    """What the run needs from AWS is not there (endpoint, credentials, a role, Organizations,
    a region); raised before any phase starts, with one line per problem."""

    def __init__(self, message: str, *, problems: tuple[str, ...] = (), **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.problems = problems


class WorkspaceError(SynthauditError, RuntimeError):
    """A workspace that cannot be written or used; names the file."""
