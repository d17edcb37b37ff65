"""``rag eval --squad``: ask a SQuAD-format file's questions open-domain over all its paragraphs and score them.

Each question goes through ``Assistant.ask`` over the whole file's paragraphs (not only its split's), is
scored with the official CMRC 2018 metric (:mod:`rag.squad_metric`; a refusal scores 0), and its own
paragraph's rank among the top hits gives document recall. ``drop_gold`` asks it once more with its own
paragraph excluded from retrieval: the right behaviour then is to refuse.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import RagError
from .evaluation import _fmt, confidence_histogram, md_cell, percentile, pyplot, write_report_files
from .squad import SPLITS, SquadQuestion
from .squad_metric import score

RECALL_KS = (1, 5)


@dataclass
class SquadRow:
    question: SquadQuestion
    prediction: str | None  # None: refused (or an error)
    confidence: float | None
    error: str | None
    rank: int | None  # the own paragraph's first rank among the top max(RECALL_KS) hits
    em: float
    f1: float
    latency_ms: float
    dropped_refused: bool | None = None  # drop-gold: refused without its own paragraph (None: not asked)
    dropped_prediction: str | None = None


def _ask(assistant, question: str, exclude: tuple[str, ...] = ()):
    try:
        return assistant.ask(question, exclude_doc_ids=exclude), None
    except RagError as exc:
        return None, str(exc)


def ask_one(assistant, q: SquadQuestion, drop_gold: bool = False) -> SquadRow:
    """Ask ``q`` (and, with ``drop_gold``, once more without its own paragraph) and score the answer."""
    t = time.perf_counter()
    answer, error = _ask(assistant, q.question)
    latency = (time.perf_counter() - t) * 1000
    prediction = None if answer is None or answer.abstained else answer.answer
    em, f1 = score(prediction, q.answers)
    rank = None
    if answer is not None:
        hits = answer.hits  # what the answer builder saw; retrieved again only when top_k is below max(RECALL_KS)
        if len(hits) < max(RECALL_KS):
            hits = assistant.retrieve(answer.resolved_question or q.question, top_k=max(RECALL_KS))
        rank = next((h.rank for h in hits if h.chunk.doc_id == q.paragraph_id), None)
    row = SquadRow(q, prediction, None if answer is None else answer.confidence, error, rank, em, f1, latency)
    if drop_gold:
        dropped, _ = _ask(assistant, q.question, exclude=(q.paragraph_id,))
        row.dropped_refused = dropped is None or dropped.abstained
        row.dropped_prediction = None if row.dropped_refused else dropped.answer
    return row


def summarise(rows: list[SquadRow]) -> dict:
    """Headline figures of ``rows``: EM and F1 on 0–100 as CMRC reports them, rates and recall on 0–1."""
    n = len(rows)
    out: dict = {"n": n}
    if not n:
        return out
    answered = [r for r in rows if r.prediction is not None]
    out["n_answered"] = len(answered)
    out["exact_match"] = 100 * sum(r.em for r in rows) / n
    out["f1"] = 100 * sum(r.f1 for r in rows) / n
    out["refusal_rate"] = 1 - len(answered) / n
    out["answered_exact_match"] = 100 * sum(r.em for r in answered) / len(answered) if answered else None
    out["answered_f1"] = 100 * sum(r.f1 for r in answered) / len(answered) if answered else None
    for k in RECALL_KS:
        out[f"recall@{k}"] = sum(r.rank is not None and r.rank <= k for r in rows) / n
    dropped = [r for r in rows if r.dropped_refused is not None]
    if dropped:
        out["n_drop_gold"] = len(dropped)
        out["drop_gold_refusal_rate"] = sum(r.dropped_refused for r in dropped) / len(dropped)
    out["errors"] = sum(r.error is not None for r in rows)
    out["latency_p50_ms"] = percentile([r.latency_ms for r in rows], 50)
    out["latency_p95_ms"] = percentile([r.latency_ms for r in rows], 95)
    return out


def run_squad_eval(
    assistant, questions: list[SquadQuestion], drop_gold: bool = False, show_progress: bool = False
) -> dict:
    """Ask every question (index loaded once, assistant warmed up) and summarise, overall and per split."""
    from tqdm.auto import tqdm

    assistant.warm_up()  # latencies are of a warm assistant, as a server answers
    rows = [
        ask_one(assistant, q, drop_gold) for q in tqdm(questions, desc="squad", disable=not show_progress, unit="q")
    ]
    return {
        "overall": summarise(rows),
        "by_split": {s: summarise([r for r in rows if r.question.split == s]) for s in SPLITS},
        "settings": {
            "embedder": assistant.index.embedder_name,
            "top_k": assistant.settings.top_k,
            "hybrid": assistant.settings.hybrid,
            "abstain_threshold": assistant.settings.abstain_threshold,
            "chunker": assistant.index.manifest.get("chunker"),
            "drop_gold": drop_gold,
        },
        "rows": [_row_json(r) for r in rows],
    }


def _row_json(r: SquadRow) -> dict:
    q = r.question
    return {
        "id": q.id,
        "split": q.split,
        "paragraph_id": q.paragraph_id,
        "question": q.question,
        "expected": list(q.answers),
        "got": r.prediction,
        "abstained": r.prediction is None,
        "confidence": None if r.confidence is None else round(r.confidence, 4),
        "em": r.em,
        "f1": round(r.f1, 4),
        "doc_rank": r.rank,
        "error": r.error,
        "latency_ms": round(r.latency_ms, 2),
        "drop_gold_abstained": r.dropped_refused,
        "drop_gold_got": r.dropped_prediction,
    }


# ---------------------------------------------------------------------------- report
COLUMNS = (
    ("n", "n"),
    ("exact_match", "EM"),
    ("f1", "F1"),
    ("recall@1", "R@1"),
    ("recall@5", "R@5"),
    ("refusal_rate", "refused"),
    ("answered_exact_match", "EM(ans)"),
    ("answered_f1", "F1(ans)"),
    ("drop_gold_refusal_rate", "dropRefuse"),
    ("latency_p50_ms", "p50ms"),
    ("latency_p95_ms", "p95ms"),
)


def _groups(result: dict) -> list[tuple[str, dict]]:
    return [("overall", result["overall"])] + [(f"split:{k}", v) for k, v in result["by_split"].items() if v["n"]]


def format_squad_table(result: dict) -> str:
    """Plain-text table: overall, then per split. EM/F1 are 0–100; rates and recall 0–1."""
    lines = [f"{'group':<13}" + "".join(f"{short:>11}" for _, short in COLUMNS)]
    for name, m in _groups(result):
        lines.append(f"{name:<13}" + "".join(f"{_fmt(m.get(k)):>11}" for k, _ in COLUMNS))
    return "\n".join(lines)


def write_squad_report(result: dict, folder: Path, squad_path: Path) -> list[Path]:
    """Write ``report.md`` (with a misses table), ``report.json`` and (with matplotlib) ``report.png``."""
    return write_report_files(result, folder, lambda r, png: _markdown(r, Path(squad_path), png), _plot)


def _markdown(result: dict, squad_path: Path, png: bool) -> str:
    groups = _groups(result)
    md = [
        f"# CMRC 2018 / SQuAD evaluation\n\nFile: `{squad_path.name}`, {result['overall']['n']} questions asked "
        "open-domain over all its paragraphs. Official CMRC 2018 metric (EM, F1 ×100; a refusal scores 0); "
        "recall@k: the question's own paragraph among the top k hits; drop-gold: asked again without its own "
        f"paragraph, refusing is right.\nSettings: `{json.dumps(result['settings'], ensure_ascii=False)}`\n",
        "## Headline\n",
        "| metric | " + " | ".join(name for name, _ in groups) + " |",
        "|---|" + "---|" * len(groups),
    ]
    for key, _ in COLUMNS:
        if any(key in m for _, m in groups):
            md.append(f"| {key} | " + " | ".join(_fmt(m.get(key)) for _, m in groups) + " |")
    if png:
        md.append("\n![scores by split and confidence](report.png)\n")
    misses = [r for r in result["rows"] if not r["em"]]
    md.append(f"\n## Misses ({len(misses)}: EM 0, in file order)\n")
    md.append("| id | split | question | gold | prediction | F1 | doc rank | conf |\n|---|---|---|---|---|---|---|---|")
    for r in misses:
        got = r["error"] or ("(refused)" if r["abstained"] else r["got"])
        md.append(
            f"| {r['id']} | {r['split']} | {md_cell(r['question'])} | {md_cell(' / '.join(r['expected']), 60)} | "
            f"{md_cell(got, 60)} | {r['f1']:.2f} | {r['doc_rank'] or '–'} | {r['confidence']} |"
        )
    return "\n".join(md) + "\n"


def _plot(result: dict, path: Path) -> Path | None:
    plt = pyplot()
    if plt is None:
        return None
    groups = _groups(result)
    metrics = [
        ("EM", "exact_match", 0.01),
        ("F1", "f1", 0.01),
        ("R@1", "recall@1", 1),
        ("R@5", "recall@5", 1),
        ("refused", "refusal_rate", 1),
        ("drop-gold\nrefused", "drop_gold_refusal_rate", 1),
    ]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(groups)
    for i, (name, m) in enumerate(groups):
        xs = [j + i * width for j in range(len(metrics))]
        ax1.bar(xs, [(m.get(k) or 0) * scale for _, k, scale in metrics], width, label=name)
    ax1.set_xticks([j + width * (len(groups) - 1) / 2 for j in range(len(metrics))], [t for t, _, _ in metrics])
    ax1.set_ylim(0, 1)
    ax1.set_title("scores by split (EM, F1 as fractions)")
    ax1.legend()
    kinds = {"F1 ≥ 0.5": [], "F1 < 0.5 or refused": []}
    for r in result["rows"]:
        if r["confidence"] is not None:
            kinds["F1 ≥ 0.5" if r["f1"] >= 0.5 else "F1 < 0.5 or refused"].append(r["confidence"])
    colors = dict(zip(kinds, ("#3a9a5b", "#c8453c"), strict=True))
    title = "confidence before abstention (own paragraph indexed)"
    return confidence_histogram(plt, fig, ax2, kinds, colors, result, title, path)
