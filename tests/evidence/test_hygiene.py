"""Hygiene: planted secrets and PHI values are found and named by file; clean evidence is not flagged."""
from __future__ import annotations

import gzip
import hashlib
import json

import nbformat
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthaudit.cli import main
from synthaudit.evidence.hygiene import scan_run_folder

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD" + "a1B2c3D4" * 20
PHI = ["Margarethe Oyelaran-Whitfield", "MRN-00481516", "1957-03-14"]


@pytest.fixture
def clean_run(tmp_path):
    """A run folder shaped like a real one, full of things that look random but are not secrets."""
    from plotly.offline import get_plotlyjs
    import plotly.graph_objects as go
    import plotly.io as pio

    run = tmp_path / "2026-11-25T0200Z_demo"
    (run / "findings").mkdir(parents=True)
    (run / "snapshot" / "tables").mkdir(parents=True)
    files = {"a.txt": b"x", "b.txt": b"y"}
    manifest = {"files": {n: {"sha256": hashlib.sha256(b).hexdigest()} for n, b in files.items()},
                "caller_identity": {"210987654321": {"Arn": "arn:aws:sts::210987654321:assumed-role/SynthauditReadOnly/synthaudit-audit",
                                                      "UserId": "AROAZZZZZZZZZZZZZZZZZ:synthaudit-audit"}},
                "simulated_estate": {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
                "previous_manifest": {"sha256": hashlib.sha256(b"prev").hexdigest()}}
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2))
    fig = go.Figure(go.Scatter(x=list(range(5000)), y=[i * 0.37 for i in range(5000)]))
    (run / "summary.html").write_text(f"<script>{get_plotlyjs()}</script>" + pio.to_html(fig, include_plotlyjs=False))
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("fig.show()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": json.loads(fig.to_json()),
                                                                "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="})]
    nb.cells = [cell]
    nbformat.write(nb, run / "02_segregation.ipynb")
    pq.write_table(pa.table({"arn": ["arn:aws:iam::210987654321:role/x"], "name": ["x"],
                             "role_id": ["AROAQXYZQXYZQXYZQXYZ1"]}), run / "snapshot" / "tables" / "iam_roles.parquet")
    (run / "findings" / "leak.json").write_text(json.dumps([{"evidence": {"mrn_sha256": hashlib.sha256(PHI[1].encode()).hexdigest(),
                                                                          "sample": "M***** O*****"}}]))
    return run


def test_clean_folder_has_no_hits(clean_run):
    assert scan_run_folder(clean_run, extra_values=PHI) == []


@pytest.mark.parametrize("relpath, content, kind", [
    ("findings/cloudtrail.json", f'{{"userIdentity": {{"accessKeyId": "{ACCESS_KEY}"}}}}', "aws_access_key_id"),
    ("03_iam_review.ipynb", f'print(\\"aws_secret_access_key = {SECRET}\\")', "aws_secret_access_key"),
    ("notes/creds.env", f"AWS_SESSION_TOKEN={TOKEN}\n", "aws_session_token"),
    ("raw/key.pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n", "private_key"),
    ("05_leak_scoring.ipynb", f'"text/plain": ["   patient  {PHI[0]}  "]', "phi_value"),
    ("findings/leak.json", f'{{"sample": "{PHI[1].lower()}"}}', "phi_value"),
])
def test_planted_secret_or_phi_is_found_and_names_the_file(clean_run, relpath, content, kind):
    target = clean_run / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("line one\n" + content)
    hits = scan_run_folder(clean_run, extra_values=PHI)
    assert [(h.path, h.kind, h.line) for h in hits] == [(relpath, kind, 2)]
    for value in (ACCESS_KEY, SECRET, TOKEN, *PHI):
        assert value not in str(hits[0])  # the report never repeats the secret


def test_phi_inside_compressed_parquet_and_gzip_is_found(clean_run):
    pq.write_table(pa.table({"note": ["fine", f"seen {PHI[0]} today"]}), clean_run / "snapshot" / "sample.parquet",
                   compression="snappy")
    (clean_run / "raw.json.gz").write_bytes(gzip.compress(f'{{"k": "{ACCESS_KEY}"}}'.encode()))
    hits = scan_run_folder(clean_run, extra_values=PHI)
    assert {(h.path, h.kind, h.where) for h in hits} == {
        ("snapshot/sample.parquet", "phi_value", "note"), ("raw.json.gz", "aws_access_key_id", "")}


def test_key_inside_base64_blob_or_hash_is_not_a_key(clean_run):
    (clean_run / "blob.txt").write_text("data:image/png;base64,QUJD" + ACCESS_KEY + "QUJDREVG==\n" + "a" * 24 + ACCESS_KEY.lower())
    assert scan_run_folder(clean_run) == []


def test_short_phi_values_are_ignored(clean_run):
    assert scan_run_folder(clean_run, extra_values=["M", "x1"]) == []


def test_cli_exit_codes(clean_run, tmp_path, capsys):
    values = tmp_path / "phi.txt"
    values.write_text("\n".join(PHI))
    assert main(["hygiene", str(clean_run), "--phi-values", str(values)]) == 0
    (clean_run / "leak.txt").write_text(PHI[2])
    assert main(["hygiene", str(clean_run), "--phi-values", str(values)]) == 2
    assert "leak.txt" in capsys.readouterr().out


def test_worker_processes_find_the_same_hits_in_the_same_order(clean_run, monkeypatch):
    (clean_run / "findings" / "iam.json").write_text(json.dumps({"note": f"key {ACCESS_KEY} for {PHI[0]}"}))
    (clean_run / "notes.txt").write_text(f"{PHI[2]} and {PHI[1]}\n")
    alone = scan_run_folder(clean_run, extra_values=PHI, workers=1)
    monkeypatch.setattr("synthaudit.evidence.hygiene.PARALLEL_BYTES", 0)
    assert len(alone) == 4
    assert scan_run_folder(clean_run, extra_values=PHI, workers=2) == alone
