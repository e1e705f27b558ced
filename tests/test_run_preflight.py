"""`synthaudit run` stops before any kernel on input it cannot use: exit 2 in seconds, one line
naming what is wrong, and a manifest that says the run failed in preflight."""
from __future__ import annotations

import json
import time

import pytest
import yaml

from synthaudit.cli import main


def run_with(tmp_path, capsys, **aws):
    params = tmp_path / "p.yaml"
    params.write_text(yaml.safe_dump({"label": "t", "estate": "aws", "aws": aws,
                                      "accounts": [{"id": "210987654321", "name": "prod"}]}))
    start = time.monotonic()
    code = main(["run", "--params", str(params), "--outputs", str(tmp_path / "out"), "--no-progress"])
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    [run_dir] = list((tmp_path / "out").iterdir())
    return code, elapsed, [line for line in err.splitlines() if line.startswith("error:")], run_dir


@pytest.mark.parametrize("aws, named", [
    ({"endpoint_url": "http://127.0.0.1:9"}, "endpoint http://127.0.0.1:9 is not reachable"),
    ({"profile": "absent-profile"}, "aws.profile 'absent-profile' is not in the AWS config files"),
])
def test_bad_endpoint_or_profile_fails_fast_with_one_line(isolated_aws, tmp_path, capsys, aws, named):
    code, elapsed, errors, run_dir = run_with(tmp_path, capsys, **aws)
    assert code == 2 and elapsed < 30
    assert len(errors) == 1 and named in errors[0]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed" and named in manifest["preflight_error"]
    assert not list(run_dir.glob("*.ipynb")), "no phase may start"
