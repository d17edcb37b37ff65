"""``rag``: a thin command line over :class:`rag.assistant.Assistant` and the index builder."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from .config import Settings
from .errors import RagError

log = logging.getLogger("rag")


def _settings(**overrides) -> Settings:
    """Settings from the environment, with the flags that were given on top."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise click.ClickException(f"invalid setting RAG_{where.upper()}: {first.get('msg')}") from None


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc)) from None


def _render(answer) -> str:
    from .normalize import in_script, is_traditional

    traditional = is_traditional(answer.question)  # labels in the asker's script; quotes stay verbatim
    lines = []
    if answer.abstained:
        lines.append(f"答：{answer.answer}")
        if answer.related:
            lines.append(in_script("相关段落（不作为依据）：", traditional))
            for q in answer.related:
                lines.append(f"  · {q.source} [{q.start}:{q.end}] {q.text}")
        return "\n".join(lines)
    lines.append(f"答：{answer.answer}")
    lines.append(f"置信度：{answer.confidence:.2f}")
    for i, q in enumerate(answer.quotes, start=1):
        lines.append(f"[{i}] «{q.text}»")
        lines.append(f"    — {q.source}, 字符 {q.start}–{q.end}")
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="more logging on stderr (-vv for debug)")
@click.version_option(package_name="rag-zh")
def cli(verbose: int) -> None:
    """Ask factual questions of Chinese articles; answers quote their sources verbatim."""
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _index_options(f):
    f = click.option("--index-dir", type=click.Path(path_type=Path), help="index folder (env RAG_INDEX_DIR)")(f)
    f = click.option("--embedder", help="e5-small-bundled | st:<model> (env RAG_EMBEDDER)")(f)
    return f


@cli.command()
@click.argument("question")
@_index_options
@click.option("--top-k", type=int, help="hits passed to the answer builder (env RAG_TOP_K)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object (JSON lines with -)")
@click.option("--no-hybrid", is_flag=True, help="dense retrieval only")
def ask(question: str, index_dir, embedder, top_k, as_json: bool, no_hybrid: bool) -> None:
    """Answer QUESTION (or, with -, one question per line from stdin)."""
    from .assistant import Assistant

    settings = _settings(index_dir=index_dir, embedder=embedder, top_k=top_k, hybrid=False if no_hybrid else None)
    try:
        assistant = Assistant.open(settings)
    except RagError as exc:
        _fail(exc)
    if question == "-":
        failures = 0
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                answer = assistant.ask(line.rstrip("\n"))
                out = answer.to_json_dict() if as_json else None
            except RagError as exc:
                failures += 1
                out = {"question": line.rstrip("\n"), "error": str(exc)}
            if as_json:
                click.echo(json.dumps(out, ensure_ascii=False))
            else:
                click.echo(out["error"] if out else _render(answer) + "\n")
        sys.exit(1 if failures else 0)
    try:
        answer = assistant.ask(question)
    except RagError as exc:
        _fail(exc)
    click.echo(json.dumps(answer.to_json_dict(), ensure_ascii=False) if as_json else _render(answer))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_index_options
@click.option("--rebuild", is_flag=True, help="start from an empty index instead of updating")
@click.option("--strict", is_flag=True, help="fail on the first unreadable file instead of skipping it")
def index(paths, index_dir, embedder, rebuild: bool, strict: bool) -> None:
    """Build or update the index from PATHS (files or folders; default: the bundled seeds)."""
    from .assistant import build_index

    settings = _settings(index_dir=index_dir, embedder=embedder)
    paths = list(paths) or [settings.seeds_dir]
    try:
        idx, report, warnings = build_index(paths, settings, rebuild=rebuild, strict=strict)
    except RagError as exc:
        _fail(exc)
    for w in warnings:
        click.echo(f"warning: skipped {w}", err=True)
    click.echo(f"{settings.index_dir}: {len(idx.documents)} documents, {len(idx.chunks)} chunks ({report.summary()})")


@cli.command()
@_index_options
def chat(index_dir, embedder) -> None:
    """Interactive questions with follow-ups (那雁塔区呢？). Empty line or Ctrl-D ends."""
    from .assistant import Assistant

    settings = _settings(index_dir=index_dir, embedder=embedder)
    try:
        assistant = Assistant.open(settings)
    except RagError as exc:
        _fail(exc)
    history: list[str] = []
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("问> " if interactive else "")
        except EOFError:
            break
        if not line.strip():
            if interactive:
                break
            continue
        try:
            answer = assistant.ask(line, history=history)
        except RagError as exc:
            click.echo(f"error: {exc}", err=True)
            continue
        if answer.resolved_question:
            click.echo(f"（理解为：{answer.resolved_question}）")
        click.echo(_render(answer) + "\n")
        history.append(line)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="interface to listen on (0.0.0.0: all)")
@click.option("--port", default=7860, show_default=True, type=int, help="port to listen on")
@click.option("--index-dir", type=click.Path(path_type=Path), help="index folder (env RAG_INDEX_DIR)")
def ui(host: str, port: int, index_dir) -> None:
    """Start the web chat (Gradio): answers with highlighted sources, uploads, multi-turn."""
    settings = _settings(index_dir=index_dir)
    try:
        from ui.app import launch
    except ImportError as exc:
        raise click.ClickException(f'the web UI needs gradio: pip install "rag-zh[ui]" ({exc})') from None
    try:
        launch(settings, host=host, port=port)
    except RagError as exc:
        _fail(exc)


@cli.command(name="eval")
@click.option("--gold", type=click.Path(path_type=Path), help="gold JSONL file (default: eval/gold.jsonl)")
@_index_options
@click.option("--json", "as_json", is_flag=True, help="print the metrics as one JSON object")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), help="write report.md/.json/.png here")
def eval_cmd(gold, index_dir, embedder, as_json: bool, report_dir) -> None:
    """Run a gold Q&A set through the assistant and report retrieval, answer, quote and abstention metrics."""
    from .assistant import Assistant
    from .config import PACKAGE_DIR
    from .evaluation import format_table, load_gold, run_eval, validate_gold, write_report

    settings = _settings(index_dir=index_dir, embedder=embedder)
    gold = gold or PACKAGE_DIR.parent / "eval" / "gold.jsonl"
    try:
        items = load_gold(gold)
        assistant = Assistant.open(settings)
    except RagError as exc:
        _fail(exc)
    problems = validate_gold(items, assistant.index.documents)
    for p in problems:
        click.echo(f"warning: {p}", err=True)
    result = run_eval(assistant, items, show_progress=sys.stderr.isatty())
    if report_dir:
        for path in write_report(result, report_dir, gold):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        click.echo(json.dumps({k: v for k, v in result.items() if k != "rows"}, ensure_ascii=False))
    else:
        click.echo(format_table(result))


def main() -> None:
    cli(prog_name="rag")


if __name__ == "__main__":
    main()
