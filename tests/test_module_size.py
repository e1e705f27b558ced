"""No module in lib/ grows past 450 lines: past that a module has more than one job."""
from __future__ import annotations

from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib" / "synthaudit"
LIMIT = 450


def test_no_module_over_the_limit():
    sizes = {p.relative_to(LIB).as_posix(): len(p.read_text().splitlines()) for p in LIB.rglob("*.py")}
    assert sizes, "no modules found"
    over = {name: n for name, n in sorted(sizes.items()) if n > LIMIT}
    assert not over, f"modules over {LIMIT} lines: {over}"
