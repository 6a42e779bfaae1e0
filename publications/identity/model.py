"""The pair model: the probability that two authorships of one block are one person.

A logistic regression on the features of ``evidence.FEATURES``, trained by
``publications/identity/train.py`` on ``gold-dev.tsv`` only; its coefficients, the clustering
threshold and the flag threshold (both chosen by cross-validation over whole name blocks) are
stored in ``pair_model.json`` beside this file. Nothing is downloaded or trained at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from publications.identity.evidence import FEATURES

MODEL_FILE = Path(__file__).with_name("pair_model.json")


@dataclass(frozen=True)
class PairModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # average-linkage probability needed to join two clusters
    flag_threshold: float  # a cluster joined below this is flagged "may combine several"

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(float(self.intercept), 6),
            "threshold": self.threshold,
            "flag_threshold": self.flag_threshold,
        }

    @classmethod
    def from_json(cls, data: dict) -> PairModel:
        if tuple(data["features"]) != FEATURES:
            raise ValueError("pair_model.json was trained on other features: retrain it")
        return cls(
            features=tuple(data["features"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            flag_threshold=float(data["flag_threshold"]),
        )


_LOADED: PairModel | None = None


def default_model() -> PairModel:
    global _LOADED
    if _LOADED is None:
        _LOADED = PairModel.from_json(json.loads(MODEL_FILE.read_text()))
    return _LOADED
