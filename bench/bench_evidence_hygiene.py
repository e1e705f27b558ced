"""Hygiene scan speed: the kit's word-indexed PHI search against the obvious peer, one regex alternation.

Both scan the same text (the first 1 MB of plotly.js, as inlined in every summary.html, plus a findings.json of
N findings) for the demo's seeded PHI values and must agree on the hits. Prints seconds and
the ratio peer/kit; no assertion on time.

    .venv/bin/python bench/bench_evidence_hygiene.py [N_FINDINGS]
"""
from __future__ import annotations

import json
import re
import sys
import time

from plotly.offline import get_plotlyjs

from synthaudit.demo.datasets import seeded_phi_values
from synthaudit.evidence import hygiene


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    values = seeded_phi_values()
    planted = values[len(values) // 2]
    findings = [{"id": f"{i:024x}", "resource": f"arn:aws:s3:::bucket-{i}", "evidence": {"rows": i}} for i in range(n)]
    findings[n // 2]["evidence"]["sample"] = planted
    text = get_plotlyjs()[:1_000_000] + "\n" + json.dumps(findings, indent=2)  # 1 MB of plotly.js keeps the peer under a minute

    start = time.perf_counter()
    index = hygiene._phi_patterns(values)
    kit_hits = sorted({v for _, v in hygiene._phi_hits(text, index)})
    kit = time.perf_counter() - start

    start = time.perf_counter()
    alternation = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True) if len(v) >= hygiene.MIN_PHI_LENGTH)
    peer_re = re.compile(rf"(?<![A-Za-z0-9])(?:{alternation})(?![A-Za-z0-9])", re.IGNORECASE)
    lookup = {v.lower(): v for v in values}
    peer_hits = sorted({lookup[m.group().lower()] for m in peer_re.finditer(text)})
    peer = time.perf_counter() - start

    assert kit_hits == peer_hits == [planted], (kit_hits, peer_hits)
    print(f"text {len(text) / 1e6:.1f} MB, {len(values)} PHI values, {n} findings")
    print(f"kit (word index)        {kit:7.2f} s")
    print(f"peer (regex alternation) {peer:7.2f} s")
    print(f"ratio peer/kit          {peer / kit:7.1f}x")


if __name__ == "__main__":
    main()
