"""Free-text PHI: PHI-shaped patterns, and the production identifiers themselves, in synthetic text.

Patterns (offline, no NLP model): SSN with validity rules (area not 000/666/9xx,
group not 00, serial not 0000), NANP phone numbers, e-mail addresses, dates,
configurable MRN patterns, street addresses. Stronger evidence: the production
sample's own identifiers found in the text, exactly (canonical form) or, for
names, as a (first, last) pair within one edit per token.
"""
from __future__ import annotations

import re

import pandas as pd

from synthaudit.leak.idindex import DIGIT_KINDS, IdentifierIndex, canonical, digits_only
from synthaudit.leak.parts import FREE_TEXT_PHI, MAX_EXAMPLES, PartResult

PART = FREE_TEXT_PHI
DEFAULT_MRN_PATTERNS = (r"\bMRN[:#\s-]*[A-Z]{0,3}\d{5,10}\b",)
STREET_SUFFIXES = ("street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter"
                   "|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|camp|burg|crossing|heights|hills|manor"
                   "|mill|mills|park|plaza|point|ridge|route|run|springs|station|summit|union|valley|view|village|ville")
try:  # Faker (a dependency, offline) knows the USPS street suffixes; no model download involved
    from faker.providers.address.en_US import Provider as _UsAddress

    # longest first, ties by name: a set's order changes with the hash seed, and the pattern is in evidence
    STREET_SUFFIXES += "|" + "|".join(sorted({x.lower() for x in _UsAddress.street_suffixes},
                                             key=lambda x: (-len(x), x)))
except ImportError:  # pragma: no cover
    pass
PATTERNS = {
    "ssn": re.compile(r"\b(?!000|666|9\d\d)(\d{3})[- ](?!00)(\d{2})[- ](?!0000)(\d{4})\b"),
    "phone": re.compile(r"(?<!\d)(?:\+?1[-. ]?)?\(?[2-9]\d{2}\)?[-. ]?[2-9]\d{2}[-. ]\d{4}(?!\d)"),
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "date": re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                       r"[a-z]*\.? \d{1,2},? \d{4})\b", re.I),
    "address": re.compile(r"\b\d{1,6} (?:[A-Za-z][A-Za-z']+ ){1,3}(?:" + STREET_SUFFIXES + r")\b\.?", re.I),
}
FAILING_PATTERNS = ("ssn", "mrn", "email", "phone")  # shapes that are identifiers on their own
DIGIT_RUN = re.compile(r"(?<![\w])\+?\(?\d[\d\-(). ]{4,}\d(?![\w])")
EMAIL = PATTERNS["email"]
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _identifier_hits(text: str, index: IdentifierIndex, fuzzy: bool) -> list[dict]:
    hits = []
    lowered = " ".join(text.split()).casefold()
    for match in DIGIT_RUN.finditer(lowered):
        digits = digits_only(match.group())
        for kind in DIGIT_KINDS:
            for col, row in index.values.get(kind, {}).get(digits, ()):
                hits.append({"kind": kind, "production_column": col, "production_row": row, "match": "exact"})
    for match in EMAIL.finditer(lowered):
        for col, row in index.values.get("email", {}).get(match.group(), ()):
            hits.append({"kind": "email", "production_column": col, "production_row": row, "match": "exact"})
    words = lowered.split()
    for i in range(len(words)):
        for value in index.phrase_starts.get(tuple(words[i:i + 2]), ()) + index.phrase_starts.get((words[i],), ()):
            if value in lowered:
                for kind, where in index.phrases[value]:
                    hits.extend({"kind": kind, "production_column": c, "production_row": r, "match": "exact"}
                                for c, r in where)
    if index.pairs:
        tokens = TOKEN.findall(canonical("full_name", lowered))
        for a, b in zip(tokens, tokens[1:]):
            for first, last in ((a, b), (b, a)):  # "First Last" or "Last, First"
                exact = index.pairs.get((first, last))
                if exact:
                    hits.extend({"kind": "name", "production_column": "first+last", "production_row": r, "match": "exact"}
                                for r in exact)
                elif fuzzy and len(first) >= 4 and len(last) >= 4:
                    for r in sorted(index.fuzzy_name_rows(first, last)):
                        hits.append({"kind": "name", "production_column": "first+last", "production_row": r, "match": "fuzzy"})
    return hits


def free_text_phi(synthetic: pd.DataFrame, text_columns: list[str], index: IdentifierIndex,
                  mrn_patterns: tuple[str, ...] = (), fuzzy: bool = True, max_pattern_hits: int = 0) -> PartResult:
    text_columns = [c for c in text_columns if c in synthetic.columns]
    if not text_columns:
        return PART.not_assessed("no free-text column in the synthetic output (role free_text)")
    patterns = dict(PATTERNS)
    for i, p in enumerate(mrn_patterns or DEFAULT_MRN_PATTERNS):
        patterns[f"mrn{i}" if i else "mrn"] = re.compile(p)
    pattern_counts = {name: 0 for name in patterns}
    identifier_rows: dict[int, list[dict]] = {}
    pattern_rows: dict[int, dict[str, int]] = {}
    failing_pattern_rows: set[int] = set()
    for col in text_columns:
        for row, value in enumerate(synthetic[col].tolist()):
            if not isinstance(value, str) or not value.strip():
                continue
            for name, rx in patterns.items():
                found = len(rx.findall(value))
                if found:
                    pattern_counts[name] += found
                    pattern_rows.setdefault(row, {}).setdefault(name, 0)
                    pattern_rows[row][name] += found
                    if name.rstrip("0123456789") in FAILING_PATTERNS:
                        failing_pattern_rows.add(row)
            hits = _identifier_hits(value, index, fuzzy)
            if hits:
                identifier_rows.setdefault(row, []).extend(dict(h, synthetic_column=col) for h in hits)
    failing_patterns = sum(v for k, v in pattern_counts.items() if k.rstrip("0123456789") in FAILING_PATTERNS)
    rows = tuple(sorted(set(identifier_rows) | (failing_pattern_rows if failing_patterns > max_pattern_hits else set())))
    status = "FAIL" if identifier_rows or failing_patterns > max_pattern_hits else "PASS"
    examples = tuple({"synthetic_row": r, "production_identifiers": identifier_rows.get(r, [])[:5],
                      "patterns": pattern_rows.get(r, {})} for r in rows[:MAX_EXAMPLES])
    return PART.result(
        status,
        metrics={"texts_scanned": int(sum(synthetic[c].notna().sum() for c in text_columns)),
                 "rows_with_production_identifiers": len(identifier_rows),
                 "production_records_exposed": len({h["production_row"] for hs in identifier_rows.values() for h in hs}),
                 "fuzzy_matches": sum(1 for hs in identifier_rows.values() for h in hs if h["match"] == "fuzzy"),
                 "pattern_hits": pattern_counts, "rows_with_patterns": len(pattern_rows)},
        parameters={"columns": text_columns, "patterns": {k: v.pattern for k, v in patterns.items()},
                    "failing_patterns": list(FAILING_PATTERNS), "max_pattern_hits": max_pattern_hits,
                    "fuzzy": "names: (first,last) within one edit per token (tokens of 4+ characters)" if fuzzy else None,
                    "ssn_validity": "area not 000/666/900-999, group not 00, serial not 0000"},
        rows=rows, examples=examples,
    )
