"""The fitted slot scorer: features → calibrated probability that a span is the answer (plain numpy).

Parameters live in ``rag/resources/slot_scorer.json``, written by ``python -m rag.extract.fit``: either
gradient-boosted trees (``trees``) or standardised logistic-regression weights (``coef``), and a Platt
calibration fitted on held-apart training data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..textutil import RESOURCES
from .features import FEATURE_NAMES

DEFAULT_PATH = RESOURCES / "slot_scorer.json"


@dataclass(frozen=True)
class SlotScorer:
    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    platt_a: float
    platt_b: float
    threshold: float  # the probability above which the builder uses a slot answer (chosen on dev)
    meta: dict
    trees: tuple[dict, ...] = ()

    def raw(self, features: np.ndarray) -> np.ndarray:
        """Uncalibrated logit of each row of ``features`` (columns in :data:`FEATURE_NAMES` order)."""
        x = features[:, self._columns]
        if self.trees:
            return self.intercept + sum(_tree_values(t, x) for t in self.trees)
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, features: np.ndarray) -> np.ndarray:
        """Calibrated probability that each row's span is a right answer."""
        z = self.platt_a * self.raw(features) + self.platt_b
        return 1.0 / (1.0 + np.exp(-z))

    @property
    def _columns(self) -> list[int]:
        index = {n: i for i, n in enumerate(FEATURE_NAMES)}
        return [index[n] for n in self.names]

    @classmethod
    def from_dict(cls, params: dict) -> SlotScorer:
        unknown = [n for n in params["features"] if n not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"slot scorer uses unknown features {unknown}: refit with python -m rag.extract.fit")
        n = len(params["features"])
        trees = tuple(
            {k: np.asarray(v, dtype=float if k in ("threshold", "value") else int) for k, v in t.items()}
            for t in params.get("trees", ())
        )
        return cls(
            names=tuple(params["features"]),
            mean=np.asarray(params.get("mean", [0.0] * n), dtype=float),
            scale=np.asarray(params.get("scale", [1.0] * n), dtype=float),
            coef=np.asarray(params.get("coef", [0.0] * n), dtype=float),
            intercept=float(params["intercept"]),
            platt_a=float(params["platt"]["a"]),
            platt_b=float(params["platt"]["b"]),
            threshold=float(params.get("threshold", 0.5)),
            meta=params.get("meta", {}),
            trees=trees,
        )


def _tree_values(tree: dict, x: np.ndarray) -> np.ndarray:
    """Leaf values of one regression tree for every row: ``x[feature] <= threshold`` goes left."""
    node = np.zeros(len(x), dtype=int)
    leaf = tree["leaf"].astype(bool)
    for _ in range(int(tree["depth"][0]) if "depth" in tree else 64):
        inner = ~leaf[node]
        if not inner.any():
            break
        idx = node[inner]
        go_left = x[np.flatnonzero(inner), tree["feature"][idx]] <= tree["threshold"][idx]
        node[inner] = np.where(go_left, tree["left"][idx], tree["right"][idx])
    return tree["value"][node]


@lru_cache(maxsize=4)
def load_scorer(path: Path = DEFAULT_PATH) -> SlotScorer:
    """The scorer saved at ``path`` (default: the bundled one)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"slot scorer {path} is missing: run python -m rag.extract.fit to fit it")
    return SlotScorer.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
