"""Keep committed runbooks free of execution noise, with their checked outputs current.

    python tools/refresh_runbooks.py                 # strip outputs except NBVAL_CHECK_OUTPUT cells
    python tools/refresh_runbooks.py --from RUN_DIR  # also copy those cells' outputs from an executed demo run

Only cells whose first line is ``# NBVAL_CHECK_OUTPUT`` keep outputs; they are what
``pytest --nbval-lax runbooks/`` compares.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"
RUNBOOKS = Path(__file__).resolve().parents[1] / "runbooks"


def checked(cell) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().startswith(MARK)


def refresh(path: Path, executed: Path | None) -> None:
    nb = nbformat.read(path, as_version=4)
    sources = {}
    if executed and executed.exists():
        done = nbformat.read(executed, as_version=4)
        sources = {c.source: c.outputs for c in done.cells if checked(c)}
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        cell.metadata.pop("execution", None)
        if checked(cell):
            # nbval refuses a reference cell with outputs but no execution count.
            cell.execution_count = number
            outputs = sources.get(cell.source, cell.outputs)
            for out in outputs:
                if "execution_count" in out:
                    out["execution_count"] = number
            cell.outputs = outputs
        else:
            cell.execution_count = None
            cell.outputs = []
    nb.metadata.pop("papermill", None)
    nbformat.write(nb, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="run_dir", type=Path, help="executed demo run folder")
    args = parser.parse_args()
    for path in sorted(RUNBOOKS.glob("0*.ipynb")):
        refresh(path, args.run_dir / path.name if args.run_dir else None)
        print(f"refreshed {path.name}")


if __name__ == "__main__":
    main()
