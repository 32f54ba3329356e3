"""Train the reader from its data files: ``candor reader train`` (``make train``).

One logistic-regression head per move, on :mod:`coach.reading.features`, trained on the train
and dev splits (the test split and the out-of-domain source are never seen). The L2 strength
and the decision threshold of each head are chosen by five-fold cross-validation over
dialogues, on out-of-fold predictions. Everything is deterministic: the same data and config
give the same weights.

The result is ``model/reader.npz`` (the weights, a few hundred kilobytes) and
``model/manifest.json``: the sha256 of every data file and of the config it came from, the
artefact's own sha256, and the cross-validated scores. ``tests/test_reader_data.py`` checks the
manifest against the data, so a label changed without retraining fails ``make test``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.reading.dataset import DATA, Example, data_files, examples, load
from coach.reading.features import DIMENSIONS, Embed, featurize
from coach.reading.vocabulary import MOVES

MODEL_DIR = Path(__file__).resolve().parent / "model"
ARTEFACT = MODEL_DIR / "reader.npz"
MANIFEST = MODEL_DIR / "manifest.json"
FORMAT = 1
CONFIDENT_PRECISION = 0.9
"""A confident reading is one at least this precise in cross-validation: the bar for readings
that end a call."""


@dataclass(frozen=True)
class Config:
    """How the heads are trained; its hash is part of the manifest."""

    l2: tuple[float, ...] = (3e-5, 1e-4, 3e-4, 1e-3)
    epochs: int = 250
    learning_rate: float = 0.05
    folds: int = 5
    max_positive_weight: float = 4.0
    """Positives of a rare move weigh up to this much more than negatives."""

    def digest(self) -> str:
        return _sha(json.dumps(asdict(self), sort_keys=True).encode("utf-8"))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def data_digests(root: Path = DATA) -> dict[str, str]:
    """The sha256 of every data file, by its path under ``data/``."""
    return {p.relative_to(root).as_posix(): _sha(p.read_bytes()) for p in data_files(root)}


def targets(exs: Sequence[Example], moves: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Labels (1/0) and masks (1 where the example judges that move)."""
    y = np.array([[m in ex.turn.moves for m in moves] for ex in exs], dtype=np.float32)
    mask = np.array([[ex.judged(m) for m in moves] for ex in exs], dtype=np.float32)
    return y, mask


def fit(x: np.ndarray, y: np.ndarray, mask: np.ndarray, l2: np.ndarray, cfg: Config) -> np.ndarray:
    """Masked, weighted logistic regression for every column at once, by full-batch Adam."""
    pos = (y * mask).sum(0)
    neg = ((1 - y) * mask).sum(0)
    weight_pos = np.clip(np.sqrt(neg / np.maximum(pos, 1)), 1.0, cfg.max_positive_weight)
    sample = mask * np.where(y > 0, weight_pos, 1.0)
    sample /= np.maximum(sample.sum(0), 1.0)
    w = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    decay = np.ones((x.shape[1], 1), dtype=np.float32)
    decay[-1] = 0.0  # the bias is not regularised
    for step in range(1, cfg.epochs + 1):
        p = _sigmoid(x @ w)
        grad = x.T @ ((p - y) * sample) + 2 * l2[None, :] * w * decay
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        lr = cfg.learning_rate * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        w -= (lr * m / (np.sqrt(v) + 1e-8)).astype(np.float32)
    return w


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


def best_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The threshold with the best F1 on these predictions, and that F1."""
    best = (0.5, 0.0)
    for t in np.arange(0.2, 0.91, 0.05):
        pred = p >= t
        tp = float((pred & (y > 0)).sum())
        fp = float((pred & (y == 0)).sum())
        fn = float((~pred & (y > 0)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[1] + 1e-9:
            best = (round(float(t), 2), f1)
    return best


def confident_threshold(p: np.ndarray, y: np.ndarray, start: float) -> float:
    """The lowest threshold, from ``start`` up, at which at least ``CONFIDENT_PRECISION`` of
    the out-of-fold predictions are right (0.95 if none is that precise)."""
    for t in np.arange(start, 0.951, 0.05):
        pred = p >= t
        if pred.sum() >= 3 and float((y[pred] > 0).mean()) >= CONFIDENT_PRECISION:
            return round(float(t), 2)
    return 0.95


def _fold(ex: Example, folds: int) -> int:
    return int(_sha(ex.dialogue.id.encode("utf-8"))[:8], 16) % folds


def train_side(
    exs: list[Example], x: np.ndarray, moves: Sequence[str], cfg: Config, log: Callable[[str], None]
) -> dict[str, Any]:
    """Choose each head's L2 and threshold by cross-validation, then fit on everything."""
    y, mask = targets(exs, moves)
    fold = np.array([_fold(ex, cfg.folds) for ex in exs])
    k = len(moves)
    l2_grid = np.repeat(np.array(cfg.l2, dtype=np.float32), k)
    y_wide, mask_wide = np.tile(y, len(cfg.l2)), np.tile(mask, len(cfg.l2))
    oof = np.zeros_like(y_wide)
    for f in range(cfg.folds):
        test = fold == f
        w = fit(x[~test], y_wide[~test], mask_wide[~test], l2_grid, cfg)
        oof[test] = _sigmoid(x[test] @ w)
        log(f"  fold {f + 1}/{cfg.folds}")
    chosen_l2, thresholds, confident, scores = [], [], [], {}
    for j, move in enumerate(moves):
        judged = mask[:, j] > 0
        options = [
            (*best_threshold(oof[judged, g * k + j], y[judged, j]), cfg.l2[g])
            for g in range(len(cfg.l2))
        ]
        threshold, f1, l2 = max(options, key=lambda o: o[1])
        g = cfg.l2.index(l2)
        sure = confident_threshold(oof[judged, g * k + j], y[judged, j], threshold)
        chosen_l2.append(l2)
        thresholds.append(threshold)
        confident.append(sure)
        scores[move] = {
            "cv_f1": round(f1, 3),
            "support": int(y[judged, j].sum()),
            "l2": l2,
            "threshold": threshold,
            "confident": sure,
        }
    w = fit(x, y, mask, np.array(chosen_l2, dtype=np.float32), cfg)
    return {
        "weights": w,
        "thresholds": np.array(thresholds, np.float32),
        "confident": np.array(confident, np.float32),
        "scores": scores,
    }


def train(
    embed: Embed, cfg: Config | None = None, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Train both sides and write the artefact and its manifest; returns the manifest."""
    cfg = cfg or Config()
    dialogues = [d for d in load() if d.split in ("train", "dev")]
    exs = examples(dialogues)
    log(f"{len(dialogues)} dialogues, {len(exs)} utterances in train and dev")
    arrays: dict[str, np.ndarray] = {}
    scores: dict[str, Any] = {}
    for side, moves in MOVES.items():
        side_exs = [ex for ex in exs if ex.turn.side == side and ex.turn.scope]
        log(f"{side}: {len(side_exs)} utterances")
        x = featurize([ex.turn.text for ex in side_exs], embed)
        result = train_side(side_exs, x, moves, cfg, log)
        arrays[f"{side}_weights"] = result["weights"]
        arrays[f"{side}_thresholds"] = result["thresholds"]
        arrays[f"{side}_confident"] = result["confident"]
        scores[side] = result["scores"]
    return _write(arrays, asdict(cfg), cfg.digest(), {"cross_validated": scores})


def _write(
    arrays: dict[str, np.ndarray], config: dict[str, Any], digest: str, extra: dict[str, Any]
) -> dict[str, Any]:
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(ARTEFACT, **arrays)  # type: ignore[arg-type]
    manifest = {
        "format": FORMAT,
        "dimensions": DIMENSIONS,
        "moves": {side: list(moves) for side, moves in MOVES.items()},
        "config": config,
        "config_sha256": digest,
        "data": data_digests(),
        "artefact_sha256": _sha(ARTEFACT.read_bytes()),
        **extra,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def cached(embed: Embed) -> Embed:
    """``embed`` with its vectors kept in the user cache, so that retraining is quick."""
    from coach.config import cache_dir

    path = cache_dir() / "reader" / "embeddings.npz"

    def run(texts: Sequence[str]) -> np.ndarray:
        keys = [_sha(t.encode("utf-8"))[:24] for t in texts]
        known: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        missing = sorted({t for t, k in zip(texts, keys, strict=True) if k not in known})
        if missing:
            for t, v in zip(missing, embed(missing), strict=True):
                known[_sha(t.encode("utf-8"))[:24]] = v
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
        return np.stack([known[k] for k in keys]).astype(np.float32)

    return run
