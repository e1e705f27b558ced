"""Secret and PHI hygiene of a run folder, checked before the manifest seals it.

Evidence must hold no credentials and no PHI. This scans every file of the run
folder (text as text, Parquet cell by cell, gzip decompressed) for AWS access key
ids, secret access keys next to their key name, session tokens, private keys, and
for caller-supplied PHI values (the demo's seeded values). A hit fails the run
and names the file; the hit itself shows only a masked excerpt.

False positives matter as much as misses: SHA-256 hex digests (the manifest), the
base64 of plotly arrays and PNGs, and the demo's ``testing`` credentials must not
match. Key patterns therefore require a boundary that base64 text never has around
a substring, and secret keys need their key name within a few characters.
"""
from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

B64 = r"A-Za-z0-9/+"
B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=")
# between a key name and its value: quotes (also JSON-escaped ones), spaces, then : or =
SEP = r"""[\\"'\s]*[:=]\s*[\\"']*"""


@dataclass(frozen=True)
class CredentialPattern:
    """A credential shape. ``needles``: cheap lower-case substrings one of which must occur first;
    ``bounded``: the match must not sit inside a longer base64 run (PNG, plotly arrays)."""

    kind: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...] = ()
    bounded: bool = False


CREDENTIAL_PATTERNS: tuple[CredentialPattern, ...] = (
    CredentialPattern("aws_access_key_id", re.compile(r"((?:AKIA|ASIA)[A-Z0-9]{16})"), ("akia", "asia"), True),
    CredentialPattern("aws_secret_access_key", re.compile(
        rf"(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key){SEP}([{B64}]{{40}})(?![{B64}=])"), ("secret",)),
    CredentialPattern("aws_session_token", re.compile(
        rf"(?i:aws_?session_?token|session_?token|security_?token){SEP}([{B64}=]{{100,}})"), ("session", "security")),
    CredentialPattern("aws_session_token", re.compile(rf"((?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[{B64}=]{{80,}})"),
                      ("fwogzxivyxdz", "iqojb3jpz2lu"), True),
    CredentialPattern("private_key", re.compile(r"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----)"),
                      ("private key",)),
)
MIN_PHI_LENGTH = 4  # shorter values would match everywhere; callers pass identifiers, names, MRNs


@dataclass(frozen=True)
class Hit:
    path: str          # relative to the run folder
    line: int          # 1-based line; for Parquet, the row (cells joined one per line)
    kind: str          # credential kind, or "phi_value"
    excerpt: str       # masked: never the value itself
    where: str = ""    # Parquet column, or "" for text

    def __str__(self) -> str:
        loc = f"{self.path}:{self.line}" + (f" [{self.where}]" if self.where else "")
        return f"{loc}: {self.kind} {self.excerpt}"


def mask(value: str) -> str:
    keep = 4 if len(value) > 8 else 1
    return f"{value[:keep]}…({len(value)} chars)"


WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class PhiIndex:
    """PHI values indexed by their first word, so thousands of values cost one pass over a file.

    A value is found where its first word is a whole word of the text and the rest follows,
    case-insensitively, with no ASCII letter or digit right before or after it.
    """

    by_word: dict[str, tuple[tuple[str, str, int], ...]]  # first word -> (value, lower value, word offset)

    def __bool__(self) -> bool:
        return bool(self.by_word)


def _phi_patterns(values: Iterable[str]) -> PhiIndex:
    index: dict[str, list[tuple[str, str, int]]] = {}
    for value in sorted({str(v).strip() for v in values if v is not None}):
        if len(value) < MIN_PHI_LENGTH:
            continue
        lower = value.lower()
        word = WORD.search(lower)
        if word is not None:
            index.setdefault(word.group(), []).append((value, lower, word.start()))
    return PhiIndex({k: tuple(v) for k, v in index.items()})


def _alnum_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isascii() and text[i].isalnum()


def _phi_hits(text: str, phi: PhiIndex) -> Iterator[tuple[int, str]]:
    for word in WORD.finditer(text):
        candidates = phi.by_word.get(word.group().lower())
        if not candidates:
            continue
        for value, lower, offset in candidates:
            start = word.start() - offset
            end = start + len(lower)
            if start < 0 or text[start:end].lower() != lower:
                continue
            if _alnum_at(text, start - 1) or _alnum_at(text, end):
                continue
            yield start, value


def _inside_base64(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1] in B64_CHARS) or (end < len(text) and text[end] in B64_CHARS)


def scan_text(text: str, rel: str, phi: PhiIndex, where: str = "") -> Iterator[Hit]:
    lower = text.lower()
    for cp in CREDENTIAL_PATTERNS:
        if cp.needles and not any(n in lower for n in cp.needles):
            continue
        for m in cp.pattern.finditer(text):
            if cp.bounded and _inside_base64(text, m.start(1), m.end(1)):
                continue
            yield Hit(rel, text.count("\n", 0, m.start()) + 1, cp.kind, mask(m.group(1)), where)
    if phi:
        for start, value in _phi_hits(text, phi):
            yield Hit(rel, text.count("\n", 0, start) + 1, "phi_value", mask(value), where)


def _parquet_texts(path: Path) -> Iterator[tuple[str, str]]:
    """(column, its cells joined by newlines) per column, then the column names themselves.

    Parquet pages are compressed, so the bytes cannot be scanned. Nested and non-text cells
    (lists, structs, timestamps) are scanned as their string form; plain numbers are skipped.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) or \
                pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            cells = [c if isinstance(c, str) else c.decode("utf-8", "replace")
                     for c in column.to_pylist() if c is not None]
        else:
            cells = [str(c) for c in column.to_pylist() if c is not None and not isinstance(c, (int, float, bool))]
        if cells:
            yield name, "\n".join(cells)
    yield "<column names>", "\n".join(table.column_names)


def scan_file(path: Path, rel: str, phi: PhiIndex) -> list[Hit]:
    if path.suffix == ".parquet":
        try:
            return [h for col, text in _parquet_texts(path) for h in scan_text(text, rel, phi, where=col)]
        except Exception:  # not readable as Parquet: fall through and scan the bytes
            pass
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except OSError:
            pass
    return list(scan_text(data.decode("utf-8", errors="replace"), rel, phi))


PARALLEL_BYTES = 8 * 1024 * 1024  # below this a run folder is scanned in this process (workers cost ~0.3 s)
_worker_phi: PhiIndex | None = None


def _init_worker(phi: PhiIndex) -> None:
    global _worker_phi
    _worker_phi = phi


def _scan_in_worker(path: Path, rel: str) -> list[Hit]:
    assert _worker_phi is not None
    return scan_file(path, rel, _worker_phi)


def scan_run_folder(run_dir: str | Path, extra_values: Iterable[str] = (), workers: int | None = None) -> list[Hit]:
    """Every credential-shaped string and every given PHI value in the run folder, by file.

    A large folder is scanned by one worker process per core (files are independent); the hits
    come back in path order either way."""
    root = Path(run_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: run folder not found")
    phi = _phi_patterns(extra_values)
    paths = sorted(p for p in root.rglob("*") if p.is_file())
    rels = [path.relative_to(root).as_posix() for path in paths]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    sizes = [p.stat().st_size for p in paths]
    if workers > 1 and sum(sizes) > PARALLEL_BYTES:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        largest_first = sorted(range(len(paths)), key=lambda i: -sizes[i])  # so the workers finish together
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_worker, initargs=(phi,)) as pool:
            scanned = dict(zip(largest_first, pool.map(_scan_in_worker, [paths[i] for i in largest_first],
                                                        [rels[i] for i in largest_first])))
        per_file = [scanned[i] for i in range(len(paths))]
    else:
        per_file = [scan_file(path, rel, phi) for path, rel in zip(paths, rels)]
    hits: list[Hit] = []
    for file_hits in per_file:
        hits.extend(dict.fromkeys(file_hits))  # dedupe overlaps
    return hits


def report(hits: list[Hit]) -> str:
    if not hits:
        return "hygiene: no credentials or PHI values found"
    files = sorted({h.path for h in hits})
    return "\n".join([f"hygiene: {len(hits)} hit(s) in {len(files)} file(s); evidence must hold no secrets or PHI:",
                      *(f"  {h}" for h in hits)])
