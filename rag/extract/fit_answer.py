"""Fit the answer scorer (the builder's confidence) and choose the refusal threshold on development data.

    python -m rag.extract.fit_answer              # collect, fit, choose the threshold, write answer_scorer.json
    python -m rag.extract.fit_answer --table      # only print the threshold table of the saved scorer

Data, all through the real pipeline (``Assistant.ask``, open-domain retrieval, the builder's own proposal):

- CMRC 2018 trial, train paragraphs: each question asked over all 256 paragraphs (its proposal is right when its
  CMRC F1 against the gold answers is at least :data:`RIGHT_F1`) and again with its own paragraph removed
  (``--drop-gold``: any proposal is wrong).
- The gold set's dev split over the seeds (right: a gold answer inside the proposal; unanswerable: wrong), each
  answerable question asked again without its article (right only where another article says the same).
- A new user's small collections, ``eval/newuser/dev`` and ``dev2`` (16 collections of 1-3 everyday files, each
  indexed alone; the same rules as the gold set), and ``eval/newuser/train`` and ``train2`` (24 more, fitted on
  only, never in the threshold table). The ``test`` and ``blind`` collections are never fitted or tuned on.

Fit: gradient-boosted trees over 3/4 of that data (split by paragraph / gold item), their number chosen by
log-loss on the other 1/4, then a Platt calibration on that 1/4. Threshold: the lowest
probability at which the development data's negatives are refused as often as the targets ask
(:data:`DROP_GOLD_REFUSED` of CMRC dev questions without their paragraph, :data:`UNANSWERABLE_DECLINED` of the
gold dev set's unanswerable questions); the table of every threshold is printed and saved.
Needs scikit-learn (``pip install -e ".[fit]"``); a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import time
from pathlib import Path

import numpy as np

from . import confidence
from .confidence import ANSWER_FEATURES, DEFAULT_PATH, AnswerScorer, answer_probability

log = logging.getLogger(__name__)

SEED = 0
RIGHT_F1 = 0.5  # a CMRC proposal sharing at least half its characters' F1 with a gold answer counts as right
CALIBRATION_SHARE = 4  # one group in four is held apart from the fit for choosing C and calibrating
# boosted trees: small ones (the data is ~2,000 proposals), their number chosen on held-apart log-loss
LEARNING_RATE = 0.05
LEAVES = 15
MIN_LEAF = 20
ITERATIONS = (50, 100, 200, 400)
# more evidence never lowers the probability: the fit is constrained to be non-decreasing in these features
INCREASING = (
    "content_coverage",
    "local_coverage",
    "doc_coverage",
    "asked_term_near",
    "type_agreement",
    "unit_agreement",
    "place_factor",
    "place_x_content",
    "slot_probability",
    "evidence",
    "dense_rank",
    "lexical_rank",
)
# the gold set's rows weigh as much in total as the benchmark's: the product's own kind of documents and
# questions (news, counts, places) must not be outvoted by Wikipedia questions six times as many
GOLD_SHARE = 1.0
# a new user's small collections of everyday documents (eval/newuser/dev, dev2 and train together) weigh as much as
# the benchmark: the other way the product is used, where a handful of short files makes every retrieval figure
# look different (1.0 with the 20 collections; 0.5 was kept for the 8 dev ones alone, and gave new-user dev
# 0.641 / 0.812 declined against 0.703 / 0.875 once the 12 train collections joined)
USER_SHARE = 1.0
_NEWUSER = Path(__file__).resolve().parents[2] / "eval" / "newuser"
# the development collections: fitted on, and their near misses choose the threshold (dev2: 8 more, written blind
# in the eighth round)
USER_COLLECTIONS = (_NEWUSER / "dev", _NEWUSER / "dev2")
# more such collections, written blind for fitting only (never in the threshold table): train (12, fifth round),
# train2 and train3 (12 each, fifteenth round; train3 half formal rules), train4 (12, sixteenth round) and train5
# (12, seventeenth round: half encyclopedia entries, regulations, a report and a news story)
USER_TRAIN_COLLECTIONS = tuple(_NEWUSER / name for name in ("train", "train2", "train3", "train4", "train5"))
# refusal targets the threshold must meet on development data (the acceptance figures)
# (0.88, above the 0.85: the CI gate's floor on the CMRC dev subset, which may not be lowered; the
# subset itself must meet it too)
DROP_GOLD_REFUSED = 0.88
# the gold dev split has only 19 unanswerable questions: 0.9 allows one miss (0.95 would allow none); the
# issue's 0.95 is checked where it belongs, on the test split
UNANSWERABLE_DECLINED = 0.9
# the new-user dev collections' 32 unanswerable near misses (hard ones: the hotel of day 1 asked for day 3): 0.8
# allows six misses in 32 (chosen with dev's 16: 0.85 would have allowed two and refused half the answerable ones)
USER_UNANSWERABLE_DECLINED = 0.8
# the cross-validation over a new user's collections (--cv): 40 collections in 5 groups
CV_FOLDS = 5
CV_SWEEP = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
THRESHOLDS = [round(t, 2) for t in np.arange(0.01, 0.96, 0.01)]


def _held_apart(group: str) -> bool:
    return int(hashlib.sha1(f"answer-calibration:{group}".encode()).hexdigest(), 16) % CALIBRATION_SHARE == 0


class _Neutral:
    """Stands in for the scorer while collecting: every proposal is kept, whatever its probability."""

    threshold = 0.0

    def probability(self, features: dict) -> float:
        return 0.5


def _row(answer, source: str, split: str, group: str, right) -> dict:
    ex = answer.explanation
    features = ex.get("answer_features")
    # the proposal as the user sees it (the builder's own text is in the matching view, width-folded)
    proposal = ex.get("proposal") if answer.abstained else answer.answer
    return {
        "source": source,
        "split": split,
        "group": group,
        "features": [features[n] for n in ANSWER_FEATURES] if features else None,
        "proposal": proposal,
        "right": bool(features) and right(proposal or ""),
        "path": ex.get("found_by"),
    }


def collect_cmrc(path: Path) -> list[dict]:
    from ..assistant import Assistant
    from ..cli import _settings
    from ..embedders import load_embedder
    from ..errors import RagError
    from ..squad import load_squad, open_squad_index
    from ..squad_metric import cmrc_f1

    settings = _settings()
    squad = load_squad(path)
    emb = load_embedder(settings.embedder, settings)
    assistant = Assistant(squad_index := open_squad_index(squad, settings, emb), emb, settings)
    del squad_index
    rows = []
    # the CI gate asks every third question of squad.select("dev") (tests/test_squad.py): keep each one's place
    dev_index = {q.id: i for i, q in enumerate(squad.select("dev"))}
    for q in squad.select("all"):
        for drop in (False, True):
            try:
                answer = assistant.ask(q.question, exclude_doc_ids=(q.paragraph_id,) if drop else (), threshold=0.0)
            except RagError:
                continue  # an empty question in the file
            answers = q.answers

            def right(p: str, answers=answers, drop=drop) -> bool:
                return not drop and cmrc_f1(p, answers) >= RIGHT_F1

            row = _row(answer, "cmrc_drop" if drop else "cmrc", q.split, q.paragraph_id, right)
            row["gold"] = list(answers)
            row["dev_index"] = dev_index.get(q.id)
            row["hard_refusal"] = row["features"] is None
            rows.append(row)
    return rows


def collect_gold() -> list[dict]:
    from ..assistant import Assistant
    from ..config import bundled_gold_file
    from ..evaluation import answer_correct, load_gold
    from ..normalize import to_matching

    assistant = Assistant.open()
    rows = []
    for item in load_gold(bundled_gold_file()):
        if item.split != "dev":
            continue  # the test split is reported once, never fitted or tuned on
        golds = list(item.answers)

        def right(p: str, golds=golds) -> bool:
            return bool(golds) and answer_correct(to_matching(p), golds)

        answer = assistant.ask(item.question, history=item.history, threshold=0.0)
        row = _row(answer, "gold" if item.answerable else "gold_unanswerable", "dev", item.id, right)
        row["hard_refusal"] = row["features"] is None
        rows.append(row)
        if item.answerable and item.doc:
            # the near misses of the product's own kind: the same question without its article (another
            # district's figure, another year's); right only where another article says the same
            answer = assistant.ask(item.question, history=item.history, threshold=0.0, exclude_doc_ids=(item.doc,))
            row = _row(answer, "gold_drop", "dev", item.id, right)
            row["hard_refusal"] = row["features"] is None
            rows.append(row)
    return rows


def collect_collections(root: Path, split: str = "dev") -> list[dict]:
    """A new user's small collections (``eval/newuser/dev``): each indexed alone, every question asked of it,
    each answerable one again without its own file (right only where another file says the same).

    ``split`` is recorded on the rows: ``dev`` rows are fitted on and choose the threshold, ``train`` rows are
    only fitted on.
    """
    import tempfile

    from ..assistant import Assistant
    from ..config import Settings
    from ..evaluation import answer_correct, load_gold
    from ..normalize import to_matching

    rows = []
    with tempfile.TemporaryDirectory(prefix="fit-collections-") as tmp:
        for folder in sorted(p for p in root.iterdir() if (p / "gold.jsonl").is_file()):
            assistant = Assistant.open(Settings(index_dir=Path(tmp) / folder.name, seeds_dir=folder / "docs"))
            for item in load_gold(folder / "gold.jsonl"):
                golds = list(item.answers)

                def right(p: str, golds=golds) -> bool:
                    return bool(golds) and answer_correct(to_matching(p), golds)

                answer = assistant.ask(item.question, threshold=0.0)
                source = "user" if item.answerable else "user_unanswerable"
                row = _row(answer, source, split, f"{folder.name}/{item.id}", right)
                row["hard_refusal"] = row["features"] is None
                rows.append(row)
                if item.answerable and item.doc and len(assistant.index.documents) > 1:
                    answer = assistant.ask(item.question, threshold=0.0, exclude_doc_ids=(item.doc,))
                    row = _row(answer, "user_drop", split, f"{folder.name}/{item.id}", right)
                    row["hard_refusal"] = row["features"] is None
                    rows.append(row)
    return rows


def _family(source: str) -> str:
    return "gold" if source.startswith("gold") else "user" if source.startswith("user") else "cmrc"


def _matrix(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray([r["features"] for r in rows], dtype=float)
    y = np.asarray([r["right"] for r in rows], dtype=float)
    family = np.asarray([_family(r["source"]) for r in rows])
    w = np.ones(len(rows))
    cmrc = (family == "cmrc").sum()
    for name, share in (("gold", GOLD_SHARE), ("user", USER_SHARE)):
        mask = family == name
        if mask.any() and cmrc:
            w[mask] = share * cmrc / mask.sum()
    return x, y, w


def _trees(model) -> list[dict]:
    """scikit-learn's fitted trees as plain node tables (see :class:`AnswerScorer`)."""
    out = []
    for (predictor,) in model._predictors:  # one tree per iteration for a binary classifier
        nodes = predictor.nodes
        out.append(
            {
                "feature": nodes["feature_idx"].tolist(),
                "threshold": [float(v) for v in nodes["num_threshold"]],  # exact: splits sit on training values
                "left": nodes["left"].tolist(),
                "right": nodes["right"].tolist(),
                "leaf": nodes["is_leaf"].astype(bool).tolist(),
                "value": [float(v) for v in nodes["value"]],
            }
        )
    return out


def fit(rows: list[dict]) -> dict:
    """Gradient-boosted trees (size by held-apart log-loss) + Platt calibration on the held-apart part."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    usable = [r for r in rows if r["features"] is not None]
    fit_rows = [r for r in usable if not _held_apart(r["group"])]
    cal_rows = [r for r in usable if _held_apart(r["group"])]
    x_fit, y_fit, w_fit = _matrix(fit_rows)
    x_cal, y_cal, w_cal = _matrix(cal_rows)
    variants = []
    for iterations in ITERATIONS:
        model = HistGradientBoostingClassifier(
            learning_rate=LEARNING_RATE,
            max_iter=iterations,
            max_leaf_nodes=LEAVES,
            min_samples_leaf=MIN_LEAF,
            early_stopping=False,
            monotonic_cst=[int(n in INCREASING) for n in ANSWER_FEATURES],
            random_state=SEED,
        ).fit(x_fit, y_fit, sample_weight=w_fit)
        loss = log_loss(y_cal, model.predict_proba(x_cal)[:, 1], sample_weight=w_cal)
        variants.append((loss, iterations, model))
        log.info("%d trees: held-apart log-loss %.4f", iterations, loss)
    loss, iterations, model = min(variants, key=lambda v: v[0])
    params = {
        "features": list(ANSWER_FEATURES),
        "baseline": round(float(model._baseline_prediction.ravel()[0]), 6),
        "trees": _trees(model),
        "platt": {"a": 1.0, "b": 0.0},
        "threshold": 0.5,
    }
    scorer = AnswerScorer.from_dict(params)
    raw = np.asarray([scorer.raw(x) for x in x_cal])
    check = model.decision_function(x_cal)
    if not np.allclose(raw, check, atol=1e-4):
        raise RuntimeError("the exported trees do not reproduce scikit-learn's predictions")
    platt = LogisticRegression(C=1e6, max_iter=2000, random_state=SEED).fit(raw[:, None], y_cal, sample_weight=w_cal)
    params["platt"] = {"a": round(float(platt.coef_[0][0]), 6), "b": round(float(platt.intercept_[0]), 6)}
    params["meta"] = {
        "fitted_by": "python -m rag.extract.fit_answer",
        "model": "scikit-learn HistGradientBoostingClassifier, exported as node tables; Platt calibration",
        "data": "CMRC 2018 trial train paragraphs (open-domain, with and without the gold paragraph) "
        "and the gold set's dev split (also asked without its article), the new-user collections of "
        "eval/newuser/dev, dev2, train and train2 (also asked without their file); 1 group in 4 held apart for the "
        "tree count and calibration",
        "right": f"CMRC F1 >= {RIGHT_F1}; gold set: a gold answer inside the proposal",
        "learning_rate": LEARNING_RATE,
        "leaves": LEAVES,
        "min_leaf": MIN_LEAF,
        "trees": iterations,
        "held_apart_log_loss": {str(v[1]): round(v[0], 4) for v in variants},
        "rows": {"fit": len(fit_rows), "calibration": len(cal_rows)},
        "positive_rate": round(float(np.mean(y_fit)), 4),
    }
    return params


def table(rows: list[dict], scorer) -> list[dict]:
    """Development figures at every threshold: CMRC dev (with/without its paragraph) and the gold dev split."""
    from ..squad_metric import score

    dev = [r for r in rows if r["split"] == "dev"]
    for r in dev:
        features = None if r["features"] is None else dict(zip(ANSWER_FEATURES, r["features"], strict=True))
        r["p"] = 0.0 if features is None else answer_probability(scorer, features)
    for r in dev:
        if r["source"] == "cmrc" and "_scored" not in r:
            r["_scored"] = (score(r["proposal"], r["gold"]), score(None, r["gold"]))
    out = []
    for t in THRESHOLDS:
        cm = [r for r in dev if r["source"] == "cmrc"]
        drop = [r for r in dev if r["source"] == "cmrc_drop"]
        gold = [r for r in dev if r["source"] == "gold"]
        unans = [r for r in dev if r["source"] == "gold_unanswerable"]
        gold_drop = [r for r in dev if r["source"] == "gold_drop"]
        user = [r for r in dev if r["source"] == "user"]
        user_unans = [r for r in dev if r["source"] == "user_unanswerable"]
        gate = [r for r in drop if (r.get("dev_index") or 0) % 3 == 0]  # the CI gate's subset (every third)
        em_f1 = [r["_scored"][0] if r["p"] >= t else r["_scored"][1] for r in cm]
        out.append(
            {
                "threshold": t,
                "cmrc_dev_em": round(100 * float(np.mean([e for e, _ in em_f1])), 1) if cm else None,
                "cmrc_dev_f1": round(100 * float(np.mean([f for _, f in em_f1])), 1) if cm else None,
                "cmrc_dev_refused": round(float(np.mean([r["p"] < t for r in cm])), 3) if cm else None,
                "drop_gold_refused": round(float(np.mean([r["p"] < t for r in drop])), 3) if drop else None,
                "ci_subset_drop_gold_refused": round(float(np.mean([r["p"] < t for r in gate])), 3) if gate else None,
                "gold_dev_accuracy": round(float(np.mean([r["p"] >= t and r["right"] for r in gold])), 3)
                if gold
                else None,
                "gold_dev_false_refusals": round(float(np.mean([r["p"] < t and r["right"] for r in gold])), 3)
                if gold
                else None,
                "gold_dev_unanswerable_declined": round(float(np.mean([r["p"] < t for r in unans])), 3)
                if unans
                else None,
                "gold_dev_drop_doc_wrong": round(float(np.mean([r["p"] >= t and not r["right"] for r in gold_drop])), 3)
                if gold_drop
                else None,
                "user_dev_accuracy": round(float(np.mean([r["p"] >= t and r["right"] for r in user])), 3)
                if user
                else None,
                "user_dev_unanswerable_declined": round(float(np.mean([r["p"] < t for r in user_unans])), 3)
                if user_unans
                else None,
            }
        )
    return out


def choose_threshold(rows: list[dict]) -> float:
    """The lowest threshold meeting both refusal targets on development data (the highest one if none does)."""
    for row in rows:
        if (
            (row["drop_gold_refused"] or 0) >= DROP_GOLD_REFUSED
            and (row.get("ci_subset_drop_gold_refused") or 1) >= DROP_GOLD_REFUSED
            and (row["gold_dev_unanswerable_declined"] or 0) >= UNANSWERABLE_DECLINED
            and (row.get("user_dev_unanswerable_declined") or 1) >= USER_UNANSWERABLE_DECLINED
        ):
            return row["threshold"]
    return rows[-1]["threshold"]


def _collection(row: dict) -> str | None:
    return row["group"].split("/")[0] if _family(row["source"]) == "user" else None


def cross_validate(rows: list[dict], folds: int = CV_FOLDS) -> dict:
    """How the fit does on a new user's collections it has never seen: the 40 small collections (dev, dev2, train,
    train2) are dealt into ``folds`` groups; each group in turn is left out of the fit *and* of the threshold choice,
    then scored with that fit's scorer and threshold. Returns the pooled figures over every left-out question.
    """
    names = sorted({c for r in rows if (c := _collection(r))})
    pooled: list[tuple[dict, float, float]] = []
    thresholds = []
    for k in range(folds):
        out = set(names[k::folds])
        kept = [r for r in rows if _collection(r) not in out]
        left = [r for r in rows if _collection(r) in out and r["source"] in ("user", "user_unanswerable")]
        params = fit([r for r in kept if r["split"] == "train" or _family(r["source"]) != "cmrc"])
        scorer = AnswerScorer.from_dict(params)
        threshold = choose_threshold(table(kept, scorer))
        thresholds.append(threshold)
        for r in left:
            features = None if r["features"] is None else dict(zip(ANSWER_FEATURES, r["features"], strict=True))
            p = 0.0 if features is None else answer_probability(scorer, features)
            pooled.append((r, p, threshold))
    answerable = [(r, p, t) for r, p, t in pooled if r["source"] == "user"]
    unanswerable = [(r, p, t) for r, p, t in pooled if r["source"] == "user_unanswerable"]
    # the same left-out probabilities at fixed thresholds instead of each fold's chosen one: what a different
    # threshold for small collections would trade (net: right answers − wrong answers − near misses answered)
    sweep = []
    for t in CV_SWEEP:
        right = int(sum(p >= t and r["right"] for r, p, _ in answerable))
        wrong = int(sum(p >= t and not r["right"] for r, p, _ in answerable))
        answered = int(sum(p >= t for _, p, _ in unanswerable))
        sweep.append(
            {
                "threshold": t,
                "right": right,
                "wrong": wrong,
                "near_misses_answered": answered,
                "net": right - wrong - answered,
            }
        )
    return {
        "collections": len(names),
        "thresholds": thresholds,
        "answerable": len(answerable),
        "proposal_right": round(float(np.mean([r["right"] for r, _, _ in answerable])), 3),
        "accuracy": round(float(np.mean([p >= t and r["right"] for r, p, t in answerable])), 3),
        "wrong_answered": round(float(np.mean([p >= t and not r["right"] for r, p, t in answerable])), 3),
        "unanswerable": len(unanswerable),
        "declined": round(float(np.mean([p < t for _, p, t in unanswerable])), 3),
        "net": int(
            sum(p >= t and r["right"] for r, p, t in answerable)
            - sum(p >= t and not r["right"] for r, p, t in answerable)
            - sum(p >= t for _, p, t in unanswerable)
        ),
        "sweep": sweep,
    }


def _print_table(rows: list[dict], every: float = 0.05) -> None:
    keys = list(rows[0])
    print(" | ".join(keys))
    for r in rows:
        if math.isclose((r["threshold"] / every) % 1, 0, abs_tol=1e-6) or math.isclose(
            (r["threshold"] / every) % 1, 1, abs_tol=1e-6
        ):
            print(" | ".join(str(r[k]) for k in keys))


def _dumps(params: dict) -> str:
    """The scorer as JSON: settings and figures indented, each tree on one line (floats exact)."""
    head = json.dumps({k: v for k, v in params.items() if k != "trees"}, ensure_ascii=False, indent=1)
    trees = ",\n".join(json.dumps(t, separators=(",", ":")) for t in params["trees"])
    return head[:-2] + ',\n "trees": [\n' + trees + "\n ]\n}\n"


def main(argv: list[str] | None = None) -> None:
    from .cmrc import DEFAULT_PATH as CMRC_PATH

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cmrc", type=Path, default=CMRC_PATH)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument(
        "--collections", type=Path, nargs="+", default=list(USER_COLLECTIONS), help="new-user dev collection folders"
    )
    parser.add_argument(
        "--train-collections",
        type=Path,
        nargs="+",
        default=list(USER_TRAIN_COLLECTIONS),
        help="new-user collections fitted on only",
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/answer-fit-rows.json"), help="collected rows")
    parser.add_argument("--recollect", action="store_true", help="ignore the cache and ask every question again")
    parser.add_argument("--table", action="store_true", help="only print the saved scorer's threshold table")
    parser.add_argument(
        "--cv", action="store_true", help="only print the figures on new-user collections left out of the fit"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if args.cache.is_file() and not args.recollect:
        rows = json.loads(args.cache.read_text(encoding="utf-8"))
    else:
        t = time.perf_counter()
        original = confidence.load_answer_scorer
        confidence.load_answer_scorer = lambda path=DEFAULT_PATH: _Neutral()  # collect every proposal
        try:
            rows = collect_cmrc(args.cmrc) + collect_gold()
            for folder in args.collections:
                rows += collect_collections(folder)
            for folder in args.train_collections:
                rows += collect_collections(folder, "train")
        finally:
            confidence.load_answer_scorer = original
        args.cache.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        log.info("collected %d proposals in %.0f s", len(rows), time.perf_counter() - t)

    if args.cv:
        print(json.dumps(cross_validate(rows), ensure_ascii=False))
        return
    if args.table:
        _print_table(table(rows, confidence.load_answer_scorer(args.out)))
        return
    train = [r for r in rows if r["split"] == "train" or _family(r["source"]) != "cmrc"]
    params = fit(train)
    figures = table(rows, AnswerScorer.from_dict(params))
    params["threshold"] = choose_threshold(figures)
    params["meta"]["threshold_rule"] = (
        f"lowest threshold refusing >= {DROP_GOLD_REFUSED} of CMRC dev questions without their paragraph and "
        f">= {UNANSWERABLE_DECLINED} of the gold dev split's unanswerable questions and >= "
        f"{USER_UNANSWERABLE_DECLINED} of the new-user dev collections' unanswerable questions"
    )
    params["meta"]["dev_table"] = [r for r in figures if math.isclose(r["threshold"] * 20 % 1, 0, abs_tol=1e-6)]
    params["meta"]["at_threshold"] = next(r for r in figures if r["threshold"] == params["threshold"])
    args.out.write_text(_dumps(params), encoding="utf-8")
    _print_table(figures)
    print("threshold", params["threshold"], json.dumps(params["meta"]["at_threshold"], ensure_ascii=False))
    print("trees", params["meta"]["trees"], json.dumps(params["meta"]["held_apart_log_loss"]))


if __name__ == "__main__":
    main()
