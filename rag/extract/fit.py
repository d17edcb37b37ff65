"""Fit the slot scorer on CMRC 2018 train paragraphs and measure it (train/dev F1 and EM) in seconds.

    python -m rag.extract.fit                 # fit, choose the variant on dev, write rag/resources/slot_scorer.json
    python -m rag.extract.fit --evaluate      # only measure the saved scorer

Harness: each question is asked of its GOLD paragraph (no retrieval); the paragraph's sentences are ranked by
question coverage, the best :data:`SENTENCES` give candidates, and the most probable candidate is the answer.
Dev paragraphs are never fitted on: they only choose between variants and give the reported figures.
Needs scikit-learn and SciPy at fit time only (``pip install -e ".[fit]"``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from pathlib import Path

import numpy as np

from ..chunking import split_sentences
from . import candidates, rank_sentences
from .cmrc import DEFAULT_PATH, Example, exact, f1, load
from .features import FEATURE_NAMES
from .scorer import DEFAULT_PATH as SCORER_PATH
from .scorer import SlotScorer
from .slots import question_slot

log = logging.getLogger(__name__)

# Sentences per question that give candidates: the gold answer is in the top 3 by coverage for most questions,
# and more sentences only add distractors (chosen on dev, see the figures in the saved JSON).
SENTENCES = 3
SEED = 0
# one train paragraph in four is held apart from the fit to calibrate the probabilities
CALIBRATION_SHARE = 4
# the variants tried: which candidates count as positives (CMRC F1 at least this), and the L2 strength
POSITIVE_F1 = (1.0, 0.8)
C_VALUES = (1.0, 10.0)
# a slot answer is "right" (the event the probability is calibrated on) at this CMRC F1 or more
RIGHT_F1 = 0.8


def _calibration_part(paragraph_id: str) -> bool:
    return int(hashlib.sha1(f"calibration:{paragraph_id}".encode()).hexdigest(), 16) % CALIBRATION_SHARE == 0


def _sentences(context: str) -> list[str]:
    return [context[s.start : s.end] for s in split_sentences(context)]


def build(examples: list[Example]) -> list[dict]:
    """Per question: candidate texts, feature matrix, CMRC F1 and EM of each candidate."""
    out = []
    for ex in examples:
        sentences = _sentences(ex.context)
        slot = question_slot(ex.question)
        order = rank_sentences(slot, sentences)[:SENTENCES]
        cands = candidates(slot, sentences, order)
        texts = [c.text for c in cands]
        out.append(
            {
                "example": ex,
                "texts": texts,
                "x": np.asarray([c.features for c in cands], dtype=float).reshape(-1, len(FEATURE_NAMES)),
                "f1": np.asarray([f1(t, ex.answers) for t in texts]),
                "em": np.asarray([exact(t, ex.answers) for t in texts]),
                "sentence": sentences[order[0]] if order else "",
            }
        )
    return out


def _built(data: Path, cache: Path | None) -> tuple[list[dict], list[dict]]:
    """Train and dev candidates, read from ``cache`` when it was written for the same features and data."""
    import pickle

    key = hashlib.sha1(("|".join(FEATURE_NAMES) + str(data) + str(SENTENCES)).encode()).hexdigest()
    if cache and cache.is_file():
        stored = pickle.loads(cache.read_bytes())
        if stored.get("key") == key:
            return stored["train"], stored["dev"]
    train, dev = build(load(data, "train")), build(load(data, "dev"))
    if cache:
        cache.write_bytes(pickle.dumps({"key": key, "train": train, "dev": dev}))
    return train, dev


def measure(rows: list[dict], scorer: SlotScorer) -> dict:
    """Harness figures: F1/EM (percent) of the top candidate, the oracle, and the top sentence as answer."""
    f1s, ems, oracle, sent, probs, right = [], [], [], [], [], []
    for r in rows:
        sent.append(f1(r["sentence"], r["example"].answers))
        if not len(r["texts"]):
            f1s.append(0.0)
            ems.append(0.0)
            oracle.append(0.0)
            probs.append(0.0)
            right.append(0.0)
            continue
        p = scorer.probability(r["x"])
        best = int(np.argmax(p))
        f1s.append(float(r["f1"][best]))
        ems.append(float(r["em"][best]))
        oracle.append(float(r["f1"].max()))
        probs.append(float(p[best]))
        right.append(float(r["f1"][best] >= RIGHT_F1))
    return {
        "questions": len(rows),
        "f1": round(100 * float(np.mean(f1s)), 1),
        "em": round(100 * float(np.mean(ems)), 1),
        "oracle_f1": round(100 * float(np.mean(oracle)), 1),
        "top_sentence_f1": round(100 * float(np.mean(sent)), 1),
        "mean_probability": round(float(np.mean(probs)), 3),
        "right_rate": round(float(np.mean(right)), 3),
        "_f1s": f1s,
        "_sent": sent,
        "_probs": probs,
    }


def _fit(rows: list[dict], positive: float, c: float) -> dict:
    """Conditional logit: per question, a softmax over its candidates; maximise the share of the positives.

    Positives are candidates with CMRC F1 ≥ ``positive`` (or exact); questions without one are left out.
    L2 penalty ``1 / c`` on the standardised weights. Deterministic (L-BFGS from zero weights).
    """
    from scipy.optimize import minimize

    x_all = np.vstack([r["x"] for r in rows])
    mean = x_all.mean(axis=0)
    scale = x_all.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    groups = []
    for r in rows:
        pos = (r["f1"] >= positive) | (r["em"] > 0)
        if len(r["texts"]) and pos.any():
            groups.append(((r["x"] - mean) / scale, pos))
    x = np.vstack([g[0] for g in groups])
    pos = np.concatenate([g[1] for g in groups])
    sizes = np.asarray([len(g[1]) for g in groups])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    owner = np.repeat(np.arange(len(groups)), sizes)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        zmax = np.maximum.reduceat(z, starts)[owner]
        e = np.exp(z - zmax)
        total = np.add.reduceat(e, starts)
        good = np.add.reduceat(e * pos, starts)
        value = -np.sum(np.log(good) - np.log(total)) + 0.5 / c * w @ w
        # d/dz: the softmax share over all candidates minus the share over the positives
        p_all = e / total[owner]
        p_pos = np.where(pos, e / good[owner], 0.0)
        return float(value), x.T @ (p_all - p_pos) + w / c

    result = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return {
        "features": list(FEATURE_NAMES),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": [round(float(v), 6) for v in result.x],
        "intercept": 0.0,
        "platt": {"a": 1.0, "b": 0.0},
    }


def _calibrate(params: dict, rows: list[dict]) -> dict:
    """Platt scaling on the top candidate of each held-apart question: P(CMRC F1 ≥ RIGHT_F1) from its score
    and its softmax share among the question's candidates."""
    from sklearn.linear_model import LogisticRegression

    scorer = SlotScorer.from_dict(params)
    z, y = [], []
    for r in rows:
        if len(r["texts"]):
            raw = scorer.raw(r["x"])
            best = int(np.argmax(raw))
            share = raw[best] - raw.max() - np.log(np.exp(raw - raw.max()).sum())
            z.append([raw[best], share])
            y.append(int(r["f1"][best] >= RIGHT_F1))
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(np.asarray(z), np.asarray(y))
    a, share = (float(v) for v in platt.coef_[0])
    return {**params, "platt": {"a": a, "share": share, "b": float(platt.intercept_[0])}}


def choose_threshold(dev: dict) -> float:
    """The lowest probability from which up the slot answer beats the whole top sentence on dev (mean F1)."""
    pairs = sorted(zip(dev["_probs"], dev["_f1s"], dev["_sent"], strict=True), reverse=True)
    best_t, gain, best_gain = 1.0, 0.0, 0.0
    for p, slot_f1, sent_f1 in pairs:
        gain += slot_f1 - sent_f1
        if gain > best_gain:
            best_gain, best_t = gain, p
    return round(float(best_t), 3)


def _public(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if not k.startswith("_")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--out", type=Path, default=SCORER_PATH)
    parser.add_argument("--cache", type=Path, default=None, help="pickle of the built candidates (a local speed-up)")
    parser.add_argument("--evaluate", action="store_true", help="only measure the saved scorer")
    args = parser.parse_args(argv)
    t0 = time.time()
    train, dev = _built(args.data, args.cache)
    print(f"candidates built in {time.time() - t0:.0f}s: train {len(train)} questions, dev {len(dev)}", flush=True)
    if args.evaluate:
        scorer = SlotScorer.from_dict(json.loads(args.out.read_text(encoding="utf-8")))
        for name, rows in (("train", train), ("dev", dev)):
            print(name, json.dumps(_public(measure(rows, scorer)), ensure_ascii=False))
        return
    fit_rows = [r for r in train if not _calibration_part(r["example"].paragraph_id)]
    cal_rows = [r for r in train if _calibration_part(r["example"].paragraph_id)]
    best = None
    variants = []
    for positive in POSITIVE_F1:
        for c in C_VALUES:
            params = _calibrate(_fit(fit_rows, positive, c), cal_rows)
            figures = measure(dev, SlotScorer.from_dict(params))
            variants.append({"positive_f1": positive, "C": c, "dev_f1": figures["f1"], "dev_em": figures["em"]})
            print(json.dumps(variants[-1]), flush=True)
            if best is None or (figures["f1"] + figures["em"]) > (best[1]["f1"] + best[1]["em"]):
                best = (params, figures, positive, c)
    params, dev_figures, positive, c = best
    scorer = SlotScorer.from_dict(params)
    train_figures = measure(train, scorer)
    params["threshold"] = choose_threshold(dev_figures)
    params["meta"] = {
        "fitted_by": "python -m rag.extract.fit",
        "data": "CMRC 2018 trial, train paragraphs (sha1(paragraph id) % 3 != 0); calibration: 1 in 4 of them",
        "positive_f1": positive,
        "model": "conditional logit (softmax over a question's candidates), L2 on standardised weights",
        "C": c,
        "right_f1": RIGHT_F1,
        "sentences": SENTENCES,
        "variants_on_dev": variants,
        "harness": {"train": _public(train_figures), "dev": _public(dev_figures)},
    }
    args.out.write_text(json.dumps(params, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("train", json.dumps(_public(train_figures), ensure_ascii=False))
    print("dev", json.dumps(_public(dev_figures), ensure_ascii=False))
    print(f"threshold {params['threshold']}; written {args.out} in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
