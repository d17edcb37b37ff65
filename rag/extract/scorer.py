"""The fitted slot scorer: features → calibrated probability that a span is the answer (plain numpy).

Parameters live in ``rag/resources/slot_scorer.json``, written by ``python -m rag.extract.fit``: feature
standardisation and the weights of a conditional-logit ranker (a softmax over one question's candidates),
and a Platt calibration, fitted on held-apart training data, of the score and the softmax share.
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
    platt_share: float = 0.0

    def raw(self, features: np.ndarray) -> np.ndarray:
        """Uncalibrated logit of each row of ``features`` (columns in :data:`FEATURE_NAMES` order)."""
        x = features[:, self._columns]
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, features: np.ndarray) -> np.ndarray:
        """Calibrated probability that each row's span is a right answer, the rows being one question's candidates."""
        raw = self.raw(features)
        share = raw - raw.max() - np.log(np.exp(raw - raw.max()).sum()) if len(raw) else raw
        z = self.platt_a * raw + self.platt_share * share + self.platt_b
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
        return cls(
            names=tuple(params["features"]),
            mean=np.asarray(params.get("mean", [0.0] * n), dtype=float),
            scale=np.asarray(params.get("scale", [1.0] * n), dtype=float),
            coef=np.asarray(params.get("coef", [0.0] * n), dtype=float),
            intercept=float(params["intercept"]),
            platt_a=float(params["platt"]["a"]),
            platt_b=float(params["platt"]["b"]),
            platt_share=float(params["platt"].get("share", 0.0)),
            threshold=float(params.get("threshold", 0.5)),
            meta=params.get("meta", {}),
        )


@lru_cache(maxsize=4)
def load_scorer(path: Path = DEFAULT_PATH) -> SlotScorer:
    """The scorer saved at ``path`` (default: the bundled one)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"slot scorer {path} is missing: run python -m rag.extract.fit to fit it")
    return SlotScorer.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
