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
    line: int          # 1-based line (0 for Parquet cells)
    kind: str          # credential kind, or "phi_value"
    excerpt: str       # masked: never the value itself
    where: str = ""    # Parquet column, or "" for text

    def __str__(self) -> str:
        loc = f"{self.path}:{self.line}" + (f" [{self.where}]" if self.where else "")
        return f"{loc}: {self.kind} {self.excerpt}"


def mask(value: str) -> str:
    keep = 4 if len(value) > 8 else 1
    return f"{value[:keep]}…({len(value)} chars)"


def _phi_patterns(values: Iterable[str]) -> list[tuple[str, str]]:
    """(value, its lower-case form) for every value long enough to mean something."""
    cleaned = sorted({str(v).strip() for v in values if v is not None})
    return [(v, v.lower()) for v in cleaned if len(v) >= MIN_PHI_LENGTH]


def _inside_base64(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1] in B64_CHARS) or (end < len(text) and text[end] in B64_CHARS)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def _occurrences(text: str, lower: str, value: str, needle: str) -> Iterator[int]:
    """Start offsets of ``value`` in ``text``, case-insensitive, not inside a longer word."""
    if len(lower) != len(text):  # non-ASCII case folding changed lengths: use a regex instead
        for m in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text, re.IGNORECASE):
            yield m.start()
        return
    pos = lower.find(needle)
    while pos != -1:
        end = pos + len(needle)
        if not (pos > 0 and _is_word_char(text[pos - 1])) and not (end < len(text) and _is_word_char(text[end])):
            yield pos
        pos = lower.find(needle, pos + 1)


def scan_text(text: str, rel: str, phi: list[tuple[str, str]], where: str = "") -> Iterator[Hit]:
    lower = text.lower()
    for cp in CREDENTIAL_PATTERNS:
        if cp.needles and not any(n in lower for n in cp.needles):
            continue
        for m in cp.pattern.finditer(text):
            if cp.bounded and _inside_base64(text, m.start(1), m.end(1)):
                continue
            yield Hit(rel, text.count("\n", 0, m.start()) + 1, cp.kind, mask(m.group(1)), where)
    for value, needle in phi:
        for start in _occurrences(text, lower, value, needle):
            yield Hit(rel, text.count("\n", 0, start) + 1, "phi_value", mask(value), where)


def _parquet_texts(path: Path) -> Iterator[tuple[str, str]]:
    """(column, joined string cells) per string-like column; Parquet pages are compressed."""
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
        yield f"<column name {name}>", name


def scan_file(path: Path, rel: str, phi: list[tuple[str, str]]) -> list[Hit]:
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


def scan_run_folder(run_dir: str | Path, extra_values: Iterable[str] = ()) -> list[Hit]:
    """Every credential-shaped string and every given PHI value in the run folder, by file."""
    root = Path(run_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: run folder not found")
    phi = _phi_patterns(extra_values)
    hits: list[Hit] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        hits.extend(dict.fromkeys(scan_file(path, path.relative_to(root).as_posix(), phi)))  # dedupe overlaps
    return hits


def report(hits: list[Hit]) -> str:
    if not hits:
        return "hygiene: no credentials or PHI values found"
    files = sorted({h.path for h in hits})
    return "\n".join([f"hygiene: {len(hits)} hit(s) in {len(files)} file(s); evidence must hold no secrets or PHI:",
                      *(f"  {h}" for h in hits)])
