"""An index of the production sample's direct identifiers, for finding them anywhere.

Each direct-identifier column gets a kind from its name and values (ssn, phone,
email, mrn, first_name, last_name, full_name, address, other). Values are kept in
canonical form: digits only for numbers-with-punctuation kinds, casefolded text
otherwise. Single name parts are too common to be evidence alone; they are indexed
as (first, last) pairs and matched together, exactly or with one edit each.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from synthaudit.leak.normalise import digits_only

DIGIT_KINDS = ("ssn", "phone", "mrn")
MIN_LEN = {"ssn": 9, "phone": 10, "mrn": 5, "email": 6, "address": 8, "full_name": 7, "other": 5}
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _mostly_emails(values: pd.Series) -> bool:
    sample = values.dropna().astype(str).head(200)
    return bool(len(sample)) and sample.str.contains("@").mean() > 0.8


# (kind, column-name pattern, test of the values for a column the name does not give away);
# first match wins (order matters: "patient_id" is an MRN, not a name).
KIND_RULES = (
    ("ssn", re.compile(r"ssn|social"), None),
    ("email", re.compile(r"e.?mail"), _mostly_emails),
    ("phone", re.compile(r"phone|mobile|fax|tel"), None),
    ("mrn", re.compile(r"mrn|medical.?record|patient.?id"), None),
    ("first_name", re.compile(r"^(first|given).?(name)?$|first.?name|given"), None),
    ("last_name", re.compile(r"^(last|family|sur).?(name)?$|last.?name|surname|family"), None),
    ("full_name", re.compile(r"^(full.?)?name$|patient.?name"), None),
    ("address", re.compile(r"addr|street"), None),
)


def column_kind(name: str, values: pd.Series) -> str:
    n = name.strip().lower()
    for kind, pattern, by_values in KIND_RULES:
        if pattern.search(n) or (by_values is not None and by_values(values)):
            return kind
    return "other"


def canonical(kind: str, value: str) -> str:
    text = " ".join(str(value).split()).casefold()
    if kind in DIGIT_KINDS:
        return digits_only(text)
    if kind in ("full_name", "first_name", "last_name"):
        return " ".join(TOKEN.findall(text.replace("^", " ")))
    return text


def deletions(token: str) -> set[str]:
    """The token and every one-character deletion of it (symmetric-delete fuzzy matching)."""
    return {token} | {token[:i] + token[i + 1:] for i in range(len(token))}


@dataclass
class IdentifierIndex:
    values: dict[str, dict[str, list[tuple[str, int]]]] = field(default_factory=dict)  # kind -> canon -> [(column,row)]
    kinds: dict[str, str] = field(default_factory=dict)                                # column -> kind
    pairs: dict[tuple[str, str], list[int]] = field(default_factory=dict)             # (first, last) -> rows
    first_fuzzy: dict[str, set[int]] = field(default_factory=dict)
    last_fuzzy: dict[str, set[int]] = field(default_factory=dict)
    # Text values (addresses, other ids, non-numeric MRNs) keyed by their first two words, for searching text.
    phrase_starts: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    phrases: dict[str, list[tuple[str, list[tuple[str, int]]]]] = field(default_factory=dict)

    @classmethod
    def build(cls, real: pd.DataFrame, id_columns: list[str], exclude: "IdentifierIndex | None" = None) -> "IdentifierIndex":
        index = cls()
        first_col = last_col = None
        for col in id_columns:
            kind = column_kind(col, real[col])
            index.kinds[col] = kind
            if kind == "first_name" and first_col is None:
                first_col = col
            if kind == "last_name" and last_col is None:
                last_col = col
            if kind in ("first_name", "last_name"):
                continue
            bucket = index.values.setdefault(kind, {})
            for row, value in enumerate(real[col].tolist()):
                if value is None or (isinstance(value, float) and value != value):
                    continue
                canon = canonical(kind, value)
                if len(canon) < MIN_LEN.get(kind, 5):
                    continue
                if exclude is not None and canon in exclude.values.get(kind, {}):
                    continue  # also in the holdout: not evidence of copying this sample
                bucket.setdefault(canon, []).append((col, row))
        if first_col and last_col:
            for row, (first, last) in enumerate(zip(real[first_col].tolist(), real[last_col].tolist())):
                if not isinstance(first, str) or not isinstance(last, str):
                    continue
                pair = (canonical("first_name", first), canonical("last_name", last))
                if len(pair[0]) < 2 or len(pair[1]) < 2:
                    continue
                if exclude is not None and pair in exclude.pairs:
                    continue
                index.pairs.setdefault(pair, []).append(row)
                for d in deletions(pair[0]):
                    index.first_fuzzy.setdefault(d, set()).add(row)
                for d in deletions(pair[1]):
                    index.last_fuzzy.setdefault(d, set()).add(row)
            full = index.values.setdefault("full_name", {})
            for pair, rows in index.pairs.items():
                full.setdefault(f"{pair[0]} {pair[1]}", []).extend((f"{first_col}+{last_col}", r) for r in rows)
        index._index_phrases()
        return index

    def _index_phrases(self) -> None:
        starts: dict[tuple[str, ...], list[str]] = {}
        for kind in ("address", "other", "mrn"):
            for value, where in self.values.get(kind, {}).items():
                if (kind == "mrn" and value.isdigit()) or len(value) < 6:
                    continue  # digit MRNs are matched as digit runs
                words = tuple(value.split()[:2])
                starts.setdefault(words, []).append(value)
                self.phrases.setdefault(value, []).append((kind, where))
        self.phrase_starts = {k: tuple(v) for k, v in starts.items()}

    def lookup(self, value: str) -> list[tuple[str, str, int]]:
        """Exact matches of one cell value: [(kind, production column, production row)]."""
        hits = []
        text = " ".join(str(value).split()).casefold()
        digits = digits_only(text)
        for kind, bucket in self.values.items():
            key = digits if kind in DIGIT_KINDS else canonical(kind, text)
            if kind in DIGIT_KINDS and len(digits) < len(re.sub(r"[\s\-().+]", "", text)):
                continue  # letters mixed in: not a formatted number
            for col, row in bucket.get(key, ()):
                hits.append((kind, col, row))
        return hits

    def fuzzy_name_rows(self, first: str, last: str) -> set[int]:
        """Production rows whose (first, last) are within one edit of each given token."""
        a, b = set(), set()
        for d in deletions(first):
            a |= self.first_fuzzy.get(d, set())
        if not a:
            return set()
        for d in deletions(last):
            b |= self.last_fuzzy.get(d, set())
        return a & b

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.values.values()) + len(self.pairs)
