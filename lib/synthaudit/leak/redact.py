"""What evidence may show of a data value: a salted-hash prefix or a shape mask, never the value.

The salt is derived from the production input's bytes (with a domain prefix, so it
is not the recorded SHA-256): the same inputs give the same tokens run to run, and
someone without the production data cannot test guesses against a token.
"""
from __future__ import annotations

import hashlib
import hmac
import re


class Redactor:
    def __init__(self, salt: bytes) -> None:
        self._salt = salt

    @classmethod
    def for_data(cls, production_bytes: bytes) -> "Redactor":
        return cls(hashlib.sha256(b"synthaudit-leak-salt\x00" + production_bytes).digest())

    def token(self, value: object) -> str:
        """``h:`` + 10 hex chars of HMAC-SHA256(salt, value)."""
        digest = hmac.new(self._salt, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
        return "h:" + digest[:10]


def mask(value: object) -> str:
    """Shape of a value with every letter and digit hidden: '123-45-6789' -> '***-**-••••'."""
    text = str(value)
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    last4 = set(digits[-4:]) if len(digits) >= 4 else set()
    out = []
    for i, ch in enumerate(text):
        if ch.isdigit():
            out.append("•" if i in last4 else "*")
        elif ch.isalpha():
            out.append("x")
        else:
            out.append(ch)
    return re.sub(r"x{3,}", "xxx", "".join(out))
