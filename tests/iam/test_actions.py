"""The action database's disk cache: same answers as the parsed JSON, rebuilt when stale or unreadable."""
import numpy as np

from synthaudit.iam import actions


def _load(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return actions.database.__wrapped__()      # the loader itself, not the process-wide instance


def _cached(tmp_path):
    return sorted((tmp_path / "synthaudit").glob("actions-*.json"))


def test_first_load_writes_the_cache_and_the_next_reads_it(tmp_path, monkeypatch):
    parsed = _load(tmp_path, monkeypatch)
    files = _cached(tmp_path)
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    cached = _load(tmp_path, monkeypatch)
    assert files[0].stat().st_mtime_ns == stamp           # read, not rewritten
    assert len(cached) == len(parsed) > 10_000
    assert cached.info("s3:GetObject") == parsed.info("s3:GetObject")
    assert cached.access_level("iam:PassRole") == parsed.access_level("iam:PassRole") == "Permissions management"
    assert np.array_equal(cached.mask("s3:Get*"), parsed.mask("s3:Get*"))
    assert cached.resource_arns == parsed.resource_arns


def test_cache_is_named_by_the_database_bytes(tmp_path, monkeypatch):
    _load(tmp_path, monkeypatch)
    path = actions._database_path()
    assert actions._cache_file(path, path.read_bytes()) == _cached(tmp_path)[0]
    assert actions._cache_file(path, path.read_bytes() + b" ") != _cached(tmp_path)[0]   # edited database: new file


def test_unreadable_cache_is_parsed_again_and_replaced(tmp_path, monkeypatch):
    _load(tmp_path, monkeypatch)
    broken = _cached(tmp_path)[0]
    broken.write_bytes(b'{"actions": [["s3:GetObj')
    db = _load(tmp_path, monkeypatch)
    assert db.access_level("s3:GetObject") == "Read"
    assert broken.read_bytes().startswith(b'{"actions"') and len(broken.read_bytes()) > 100_000


def test_cache_is_plain_data_never_unpickled(tmp_path, monkeypatch):
    """Whoever can write the cache folder must not be able to run code through it."""
    import pickle

    _load(tmp_path, monkeypatch)
    planted = _cached(tmp_path)[0]
    marker = tmp_path / "ran"
    planted.write_bytes(pickle.dumps(_Runs(str(marker))))
    db = _load(tmp_path, monkeypatch)
    assert db.access_level("iam:PassRole") == "Permissions management"
    assert not marker.exists()


class _Runs:
    """A pickle that would create a file when loaded."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_no_cache_directory_still_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/not/usable")
    monkeypatch.setenv("HOME", "relative")
    db = actions.database.__wrapped__()
    assert db.access_level("s3:GetObject") == "Read"
