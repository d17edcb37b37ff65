"""``rag eval``: run gold questions through ``Assistant.ask`` and measure retrieval, answers, quotes, abstention."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import RagError
from .normalize import to_matching, to_traditional
from .schema import Answer, Document
from .textutil import char_f1, normalize_answer

TYPES = ("number", "entity", "date", "list", "why", "english", "yesno", "unanswerable", "followup")
DIFFICULTIES = ("easy", "medium", "hard")
# train: fitted on only (eval/newuser/train); dev: fitted and tuned on; test: reported once
GOLD_SPLITS = ("train", "dev", "test")
RECALL_KS = (1, 3, 5, 10)


class GoldItem(BaseModel):
    """One line of a gold file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    question: str = Field(min_length=1)
    answers: list[str]
    doc: str | None
    quote: str | None
    type: str
    difficulty: str
    history: list[str] | None = None
    split: str | None = Field(None, description="dev or test: whole article sections, see eval/split_gold.py")

    @field_validator("split")
    @classmethod
    def _split(cls, v: str | None) -> str | None:
        if v is not None and v not in GOLD_SPLITS:
            raise ValueError(f"split {v!r} is not one of {', '.join(GOLD_SPLITS)}")
        return v

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in TYPES:
            raise ValueError(f"type {v!r} is not one of {', '.join(TYPES)}")
        return v

    @field_validator("difficulty")
    @classmethod
    def _difficulty(cls, v: str) -> str:
        if v not in DIFFICULTIES:
            raise ValueError(f"difficulty {v!r} is not one of {', '.join(DIFFICULTIES)}")
        return v

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSONL file.

    Raises:
        RagError: missing file, bad JSON, a field of the wrong shape, or duplicate ids (with the line number).
    """
    path = Path(path)
    if not path.is_file():
        raise RagError(f"gold file {path} does not exist")
    items: list[GoldItem] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = GoldItem.model_validate_json(line)
        except ValidationError as exc:
            raise RagError(f"{path}:{n}: {exc.errors()[0]['msg']} ({exc.errors()[0]['loc']})") from None
        if item.id in seen:
            raise RagError(f"{path}:{n}: duplicate id {item.id}")
        seen.add(item.id)
        items.append(item)
    return items


def validate_gold(items: Iterable[GoldItem], documents: dict[str, Document]) -> list[str]:
    """Problems with a gold set against the stored documents (empty list: valid).

    Checks that each quote is a verbatim substring of its document's stored text, each answer a
    substring of the quote, and that unanswerable items have no answers, document or quote.
    """
    by_source = {d.source: d for d in documents.values()}
    problems = []
    for it in items:
        if not it.answers:
            if it.doc is not None or it.quote is not None:
                problems.append(f"{it.id}: an item without answers must have doc and quote null")
            continue
        doc = by_source.get(it.doc or "")
        if doc is None:
            problems.append(f"{it.id}: unknown document {it.doc!r}")
            continue
        if not it.quote or it.quote not in doc.text:
            problems.append(f"{it.id}: quote is not a verbatim substring of {it.doc}")
            continue
        for a in it.answers:
            if a not in it.quote:
                problems.append(f"{it.id}: answer {a!r} is not inside its quote")
    return problems


# ---------------------------------------------------------------------------- metrics
def answer_correct(prediction: str, golds: list[str]) -> bool:
    """A gold answer is contained in the prediction after NFKC, case, width and whitespace folding."""
    pred = normalize_answer(prediction)
    return any(normalize_answer(g) and normalize_answer(g) in pred for g in golds)


def exact_match(prediction: str, golds: list[str]) -> bool:
    pred = normalize_answer(prediction)
    return any(normalize_answer(g) == pred for g in golds)


def best_f1(prediction: str, golds: list[str]) -> float:
    return max((char_f1(prediction, g) for g in golds), default=0.0)


def quote_supports(answer: Answer, item: GoldItem) -> bool:
    """A gold answer appears inside a returned quote from the gold document."""
    for q in answer.quotes:
        if q.source == item.doc and any(normalize_answer(a) in normalize_answer(q.text) for a in item.answers):
            return True
    return False


def quotes_faithful(answer: Answer, documents: dict[str, Document]) -> bool:
    """Every returned quote is exactly ``document.text[start:end]``."""
    return all(q.doc_id in documents and q.matches(documents[q.doc_id]) for q in answer.quotes)


def gold_rank(hits, item: GoldItem, documents: dict[str, Document]) -> int | None:
    """1-based rank of the first hit whose chunk contains the gold quote's location, or None."""
    by_source = {d.source: d for d in documents.values()}
    doc = by_source.get(item.doc or "")
    if doc is None or not item.quote:
        return None
    starts = []
    pos = doc.text.find(item.quote)
    while pos != -1:
        starts.append(pos)
        pos = doc.text.find(item.quote, pos + 1)
    for rank, hit in enumerate(hits, start=1):
        c = hit.chunk
        if c.doc_id == doc.id and any(c.start <= s and s + len(item.quote) <= c.end for s in starts):
            return rank
    return None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


@dataclass
class Row:
    item: GoldItem
    answer: Answer | None
    error: str | None
    rank: int | None
    correct: bool
    exact: bool
    f1: float
    supported: bool
    faithful: bool
    latency_ms: float


def _summarise(rows: list[Row]) -> dict:
    answerable = [r for r in rows if r.item.answerable]
    unanswerable = [r for r in rows if not r.item.answerable]
    out: dict = {"n": len(rows), "n_answerable": len(answerable), "n_unanswerable": len(unanswerable)}
    if answerable:
        n = len(answerable)
        out["answer_accuracy"] = sum(r.correct for r in answerable) / n
        out["exact_match"] = sum(r.exact for r in answerable) / n
        out["char_f1"] = sum(r.f1 for r in answerable) / n
        out["quote_support"] = sum(r.supported for r in answerable) / n
        out["false_refusal_rate"] = sum(bool(r.answer and r.answer.abstained) for r in answerable) / n
        for k in RECALL_KS:
            out[f"recall@{k}"] = sum(r.rank is not None and r.rank <= k for r in answerable) / n
        out["mrr"] = sum(1 / r.rank for r in answerable if r.rank) / n
    if unanswerable:
        out["correct_refusal_rate"] = sum(bool(r.answer and r.answer.abstained) for r in unanswerable) / len(
            unanswerable
        )
    with_answers = [r for r in rows if r.answer is not None]
    out["faithfulness"] = sum(r.faithful for r in with_answers) / len(with_answers) if with_answers else 1.0
    out["errors"] = sum(r.error is not None for r in rows)
    lat = [r.latency_ms for r in rows]
    out["latency_p50_ms"] = percentile(lat, 50)
    out["latency_p95_ms"] = percentile(lat, 95)
    return out


def traditional(item: GoldItem) -> GoldItem:
    """The gold item asked in traditional script (OpenCC s2t); answers and quote stay as they are."""
    history = [to_traditional(h) for h in item.history] if item.history else item.history
    return item.model_copy(update={"question": to_traditional(item.question), "history": history})


def _ask_all(assistant, items: list[GoldItem], show_progress: bool, desc: str) -> list[Row]:
    from tqdm.auto import tqdm

    documents = assistant.index.documents
    rows: list[Row] = []
    for item in tqdm(items, desc=desc, disable=not show_progress, unit="q"):
        t = time.perf_counter()
        answer, error = None, None
        try:
            answer = assistant.ask(item.question, history=item.history)
        except RagError as exc:
            error = str(exc)
        latency = (time.perf_counter() - t) * 1000
        rank = None
        if answer is not None and item.answerable:
            query = answer.resolved_question or item.question
            rank = gold_rank(assistant.retrieve(query, top_k=max(RECALL_KS)), item, documents)
        # an answer in traditional script is compared in its matching view (gold answers are simplified)
        text = "" if answer is None or answer.abstained else to_matching(answer.answer)
        rows.append(
            Row(
                item=item,
                answer=answer,
                error=error,
                rank=rank,
                correct=bool(item.answers) and answer_correct(text, item.answers),
                exact=bool(item.answers) and exact_match(text, item.answers),
                f1=best_f1(text, item.answers) if item.answers else 0.0,
                supported=answer is not None and item.answerable and quote_supports(answer, item),
                faithful=answer is not None and quotes_faithful(answer, documents),
                latency_ms=latency,
            )
        )
    return rows


def run_eval(assistant, items: list[GoldItem], show_progress: bool = False, scripts: bool = True) -> dict:
    """Ask every gold question (index loaded once) and compute the metrics, overall and per type/difficulty.

    With ``scripts``, the whole set is asked again in traditional script (``by_script.traditional``).
    """
    assistant.warm_up()  # latencies are of a warm assistant, as a server answers
    rows = _ask_all(assistant, items, show_progress, "eval")
    by_type: dict[str, list[Row]] = defaultdict(list)
    by_diff: dict[str, list[Row]] = defaultdict(list)
    by_split: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_type[r.item.type].append(r)
        by_diff[r.item.difficulty].append(r)
        if r.item.split:
            by_split[r.item.split].append(r)
    by_script = {}
    if scripts:
        by_script["traditional"] = _summarise(
            _ask_all(assistant, [traditional(i) for i in items], show_progress, "eval (traditional)")
        )
    return {
        "overall": _summarise(rows),
        "by_split": {s: _summarise(by_split[s]) for s in GOLD_SPLITS if s in by_split},
        "by_type": {t: _summarise(rs) for t, rs in sorted(by_type.items())},
        "by_difficulty": {d: _summarise(rs) for d, rs in sorted(by_diff.items())},
        "by_script": by_script,
        "settings": {
            "embedder": assistant.index.embedder_name,
            "top_k": assistant.settings.top_k,
            "hybrid": assistant.settings.hybrid,
            "abstain_threshold": assistant.settings.abstain_threshold,
            "chunker": assistant.index.manifest.get("chunker"),
        },
        "rows": [_row_json(r) for r in rows],
    }


def run_collections_eval(root: Path, settings, show_progress: bool = False, gold_name: str = "gold.jsonl") -> dict:
    """Each folder under ``root`` is one user's collection: ``docs/`` indexed alone, ``gold.jsonl`` (or another
    question file beside it, ``gold_name``) asked of it.

    The rows of all collections are pooled into one summary (overall, by type, by collection); indexes are
    built in a temporary folder and thrown away.
    """
    import tempfile

    from .assistant import Assistant

    folders = sorted(p for p in Path(root).iterdir() if (p / gold_name).is_file() and (p / "docs").is_dir())
    if not folders:
        raise RagError(f"{root} holds no collection (a folder with docs/ and {gold_name})")
    rows: list[Row] = []
    warnings: list[str] = []
    by_collection: dict[str, list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="rag-collections-") as tmp:
        for folder in folders:
            cfg = settings.model_copy(update={"index_dir": Path(tmp) / folder.name, "seeds_dir": folder / "docs"})
            assistant = Assistant.open(cfg)
            items = load_gold(folder / gold_name)
            # a quote copied from a Markdown table row keeps its | marks: a warning, the answer still counts
            warnings += [f"{folder.name}: {p}" for p in validate_gold(items, assistant.index.documents)]
            assistant.warm_up()
            got = _ask_all(assistant, items, show_progress, folder.name)
            by_collection[folder.name] = got
            rows.extend(got)
            settings_used = {
                "embedder": assistant.index.embedder_name,
                "top_k": assistant.settings.top_k,
                "hybrid": assistant.settings.hybrid,
                "abstain_threshold": assistant.settings.abstain_threshold,
            }
    by_type: dict[str, list[Row]] = defaultdict(list)
    by_diff: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_type[r.item.type].append(r)
        by_diff[r.item.difficulty].append(r)
    return {
        "overall": _summarise(rows),
        "by_difficulty": {d: _summarise(rs) for d, rs in sorted(by_diff.items())},
        "by_collection": {k: _summarise(v) for k, v in by_collection.items()},
        "by_type": {t: _summarise(rs) for t, rs in sorted(by_type.items())},
        "settings": settings_used,
        "warnings": warnings,
        "rows": [_row_json(r) for r in rows],
    }


def _row_json(r: Row) -> dict:
    a = r.answer
    return {
        "id": r.item.id,
        "type": r.item.type,
        "difficulty": r.item.difficulty,
        "split": r.item.split,
        "question": r.item.question,
        "history": r.item.history,
        "expected": r.item.answers,
        "gold_doc": r.item.doc,
        "gold_quote": r.item.quote,
        "got": None if a is None else a.answer,
        "abstained": None if a is None else a.abstained,
        "confidence": None if a is None else round(a.confidence, 4),
        "resolved_question": None if a is None else a.resolved_question,
        "quotes": []
        if a is None
        else [{"source": q.source, "start": q.start, "end": q.end, "text": q.text} for q in a.quotes],
        "evidence": None if a is None else a.explanation.get("sentence"),
        "error": r.error,
        "gold_rank": r.rank,
        "correct": r.correct,
        "exact": r.exact,
        "f1": round(r.f1, 4),
        "supported": r.supported,
        "faithful": r.faithful,
        "latency_ms": round(r.latency_ms, 2),
    }


# ---------------------------------------------------------------------------- report
HEADLINE = (
    "answer_accuracy",
    "quote_support",
    "faithfulness",
    "correct_refusal_rate",
    "false_refusal_rate",
    "recall@1",
    "recall@5",
    "mrr",
    "exact_match",
    "char_f1",
    "latency_p50_ms",
    "latency_p95_ms",
)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if v <= 1.0 else f"{v:.1f}"
    return "–" if v is None else str(v)


def format_table(result: dict) -> str:
    """A plain-text table: overall, then per type and per difficulty."""
    cols = [
        "n",
        "answer_accuracy",
        "quote_support",
        "faithfulness",
        "correct_refusal_rate",
        "false_refusal_rate",
        "recall@1",
        "recall@5",
        "mrr",
        "latency_p95_ms",
    ]
    short = ["n", "acc", "support", "faithful", "refuse_ok", "refuse_bad", "R@1", "R@5", "MRR", "p95ms"]
    lines = [f"{'group':<18}" + "".join(f"{s:>11}" for s in short)]
    groups = [("overall", result["overall"])]
    groups += [(f"split:{k}", v) for k, v in result.get("by_split", {}).items()]
    groups += [(f"type:{k}", v) for k, v in result["by_type"].items()]
    groups += [(f"diff:{k}", v) for k, v in result.get("by_difficulty", {}).items()]
    groups += [(f"script:{k}", v) for k, v in result.get("by_script", {}).items()]
    groups += [(k[:18], v) for k, v in result.get("by_collection", {}).items()]
    for name, m in groups:
        lines.append(f"{name:<18}" + "".join(f"{_fmt(m.get(c)):>11}" for c in cols))
    return "\n".join(lines)


def md_cell(value, width: int | None = None) -> str:
    """Text for one markdown table cell: ``|`` escaped, newlines folded, cut to ``width`` characters."""
    text = "" if value is None else str(value).replace("|", "｜").replace("\n", " ")
    return text if width is None else text[:width]


def write_report_files(
    result: dict, folder: Path, markdown: Callable[[dict, bool], str], plot: Callable[[dict, Path], Path | None]
) -> list[Path]:
    """Write ``report.json``, ``report.png`` (``plot``; None without matplotlib) and ``report.md`` into ``folder``.

    ``markdown(result, has_png)`` returns the text of ``report.md``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    (folder / "report.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(folder / "report.json")
    png = plot(result, folder / "report.png")
    if png:
        written.append(png)
    (folder / "report.md").write_text(markdown(result, bool(png)), encoding="utf-8")
    written.append(folder / "report.md")
    return written


def write_report(result: dict, folder: Path, gold_path: Path) -> list[Path]:
    """Write ``report.md``, ``report.json`` and (with matplotlib) ``report.png`` into ``folder``."""
    return write_report_files(result, folder, lambda r, png: _markdown(r, gold_path, png), _plot)


def _markdown(result: dict, gold_path: Path, png: bool) -> str:
    md = [
        f"# Evaluation report\n\nGold set: `{gold_path.name}` ({result['overall']['n']} questions). "
        f"Settings: `{json.dumps(result['settings'], ensure_ascii=False)}`\n"
    ]
    md.append("## Headline\n\n| metric | value |\n|---|---|")
    for k in HEADLINE:
        if k in result["overall"]:
            md.append(f"| {k} | {_fmt(result['overall'][k])} |")
    if result.get("by_split"):
        splits = list(result["by_split"])
        md.append("\n## Headline by split\n\n| metric | " + " | ".join(splits) + " |\n|---|" + "---|" * len(splits))
        md.append(f"| n | {' | '.join(str(result['by_split'][s]['n']) for s in splits)} |")
        for k in HEADLINE:
            if any(k in result["by_split"][s] for s in splits):
                md.append(f"| {k} | {' | '.join(_fmt(result['by_split'][s].get(k)) for s in splits)} |")
    for script, metrics in result.get("by_script", {}).items():
        md.append(
            f"| answer_accuracy, the same questions in {script} script | {_fmt(metrics.get('answer_accuracy'))} |"
        )
    md.append("\n## By type and difficulty\n\n```\n" + format_table(result) + "\n```\n")
    if png:
        md.append("![per-type accuracy and confidence](report.png)\n")
    misses = [
        r
        for r in result["rows"]
        if (r["expected"] and not (r["correct"] and r["supported"]))
        or (not r["expected"] and not r["abstained"])
        or r["error"]
    ]
    md.append(f"## Misses ({len(misses)})\n")
    md.append("| id | type | question | expected | got | conf | evidence chosen |\n|---|---|---|---|---|---|---|")
    for r in misses:
        q = r["question"] if not r["history"] else f"{' / '.join(r['history'])} → {r['question']}"
        got = r["error"] or r["got"]
        md.append(
            f"| {r['id']} | {r['type']} | {q} | {'、'.join(r['expected']) or '(abstain)'} | "
            f"{md_cell(got, 60)} | {r['confidence']} | {md_cell(r['evidence'], 90)} |"
        )
    return "\n".join(md) + "\n"


def pyplot():
    """matplotlib's pyplot on the off-screen backend, or None when matplotlib is not installed (no plot)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def _plot(result: dict, path: Path) -> Path | None:
    plt = pyplot()
    if plt is None:
        return None
    types = list(result["by_type"])
    acc = [
        result["by_type"][t].get("answer_accuracy", result["by_type"][t].get("correct_refusal_rate", 0.0))
        for t in types
    ]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    ax1.bar(types, acc, color="#4a7ab7")
    ax1.set_ylim(0, 1)
    ax1.set_title("accuracy by type (unanswerable: correct refusals)")
    ax1.tick_params(axis="x", rotation=30)
    groups = {"correct": [], "wrong": [], "unanswerable": []}
    for r in result["rows"]:
        if r["confidence"] is None:
            continue
        conf = r["confidence"]
        if not r["expected"]:
            groups["unanswerable"].append(conf)
        elif r["correct"]:
            groups["correct"].append(conf)
        else:
            groups["wrong"].append(conf)
    colors = {"correct": "#3a9a5b", "wrong": "#c8453c", "unanswerable": "#888888"}
    return confidence_histogram(plt, fig, ax2, groups, colors, result, "confidence before abstention", path)


def confidence_histogram(plt, fig, ax, groups: dict, colors: dict, result: dict, title: str, path: Path) -> Path:
    """The right-hand panel of a report: confidences by outcome and the refusal threshold; saves the figure."""
    bins = [i / 20 for i in range(21)]
    for name, values in groups.items():
        ax.hist(values, bins=bins, alpha=0.6, label=f"{name} ({len(values)})", color=colors[name])
    thr = result["settings"]["abstain_threshold"]
    ax.axvline(thr, color="black", linestyle="--", label=f"threshold {thr}")
    ax.set_title(title)
    ax.set_xlabel("confidence")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
