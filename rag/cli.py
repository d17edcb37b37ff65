"""``rag``: a thin command line over :class:`rag.assistant.Assistant` and the index builder."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from .config import Settings
from .errors import DocumentError, RagError

log = logging.getLogger("rag")


def _settings(**overrides) -> Settings:
    """Settings from the environment, with the flags that were given on top."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise click.ClickException(f"invalid setting RAG_{where.upper()}: {first.get('msg')}") from None


class _ChineseError(click.ClickException):
    """A failure told in Chinese (``错误：`` rather than click's ``Error:``)."""

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


def _fail(exc: Exception, chinese: bool = False) -> None:
    """Exit with ``exc``'s message; in Chinese first when the user reads Chinese (their question, their locale)."""
    if chinese:
        from .zh_messages import cli_zh_error

        raise _ChineseError(cli_zh_error(exc)) from None
    raise click.ClickException(str(exc)) from None


def _render(answer) -> str:
    from .normalize import in_script, is_traditional

    traditional = is_traditional(answer.question)  # labels in the asker's script; quotes stay verbatim
    lines = []
    if answer.abstained:
        lines.append(f"答：{answer.answer}")
        if answer.confidence:  # a proposal was judged and found too unsure: how far it was from being given
            lines.append(in_script(f"置信度：{answer.confidence:.2f}（不足以作答）", traditional))
        if answer.related:
            lines.append(in_script("相关段落（不作为依据）：", traditional))
            for q in answer.related:
                lines.append(f"  · {q.source}（{q.where()}）{q.text}")
        return "\n".join(lines)
    lines.append(f"答：{answer.answer}")
    lines.append(f"置信度：{answer.confidence:.2f}")
    for i, q in enumerate(answer.quotes, start=1):
        lines.append(f"[{i}] «{q.text}»")
        lines.append(f"    — {q.source}, {q.where()}")
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
    from .zh_messages import cli_zh_error, prefers_chinese

    settings = _settings(index_dir=index_dir, embedder=embedder, top_k=top_k, hybrid=False if no_hybrid else None)
    chinese = prefers_chinese(None if question == "-" else question)
    try:
        assistant = Assistant.open(settings, build_if_missing=index_dir is None, chinese=chinese)
    except RagError as exc:
        _fail(exc, chinese)
    if question == "-":
        failures = 0
        for line in sys.stdin:
            if not line.strip():
                continue
            error = None
            try:
                answer = assistant.ask(line.rstrip("\n"))
                out = answer.to_json_dict() if as_json else None
            except RagError as exc:
                failures += 1
                out = {"question": line.rstrip("\n"), "error": str(exc)}
                error = f"错误：{cli_zh_error(exc)}" if prefers_chinese(line) else f"Error: {exc}"
            if as_json:
                click.echo(json.dumps(out, ensure_ascii=False))
            else:
                # many answers in a row: each under its question, so that they can be told apart
                click.echo(f"问：{line.strip()}")
                click.echo(error if error is not None else _render(answer) + "\n")
        sys.exit(1 if failures else 0)
    try:
        answer = assistant.ask(question)
    except RagError as exc:
        _fail(exc, chinese)
    click.echo(json.dumps(answer.to_json_dict(), ensure_ascii=False) if as_json else _render(answer))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_index_options
@click.option("--rebuild", is_flag=True, help="re-read and re-embed everything (from PATHS, or the recorded sources)")
@click.option("--strict", is_flag=True, help="fail on the first unreadable file instead of skipping it")
def index(paths, index_dir, embedder, rebuild: bool, strict: bool) -> None:
    """Build or update the index from PATHS (files or folders).

    Without PATHS, the folders and files the index was built from (and its uploads) are synced again: new and
    changed files are indexed, deleted ones removed. A new index without PATHS holds the bundled seeds.
    """
    from .assistant import build_index, unchanged_on_disk

    settings = _settings(index_dir=index_dir, embedder=embedder)
    paths = list(paths)
    try:
        # nothing changed on disk (sizes and times as recorded): say so without loading the index
        same = None if rebuild else unchanged_on_disk(paths, settings)
        if same is not None:
            docs, chunks = len(same.unchanged), same.total_chunks
            counts = f"{_count(docs, 'document')}, {_count(chunks, 'chunk')}"
            click.echo(f"{settings.index_dir}: {counts} ({same.summary()})")
            return
        idx, report, warnings = build_index(paths, settings, rebuild=rebuild, strict=strict)
    except RagError as exc:
        _fail(exc)
    for w in warnings:
        click.echo(f"warning: skipped {w}", err=True)
    click.echo(
        f"{settings.index_dir}: {_count(len(idx.documents), 'document')}, {_count(idx.chunk_count(), 'chunk')} "
        f"({report.summary()})"
    )


@cli.command()
@click.option("--index-dir", type=click.Path(path_type=Path), help="index folder (env RAG_INDEX_DIR)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per document")
def docs(index_dir, as_json: bool) -> None:
    """List the indexed documents: id, source, title, format, characters, chunks, indexed at."""
    from .assistant import load_index

    settings = _settings(index_dir=index_dir)
    try:
        rows = load_index(settings).listing()
    except RagError as exc:
        _fail(exc)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    for row in rows:
        where = row["source"] if row["root"] in ("", "upload") else f"{row['root'].rstrip('/')}/{row['source']}"
        if row["root"] and Path(row["root"]).is_file():
            where = row["root"]
        click.echo(f"{row['id']}\t{row['title']}")
        pages = f" · {row['pages']} 页" if row["pages"] else ""
        when = row["indexed_at"] or "-"
        click.echo(f"    {row['format']}{pages} · {row['chars']} 字 · {row['chunks']} 片段 · {when} · {where}")
    click.echo(f"{_count(len(rows), 'document')} in {settings.index_dir}")


@cli.command()
@click.argument("doc_ids", nargs=-1, required=True)
@_index_options
def remove(doc_ids, index_dir, embedder) -> None:
    """Remove documents by id (see `rag docs`); uploaded copies are deleted too."""
    from .assistant import Assistant

    settings = _settings(index_dir=index_dir, embedder=embedder)
    try:
        assistant = Assistant.open(settings, build_if_missing=False)
        report = assistant.remove_documents(doc_ids, alone=True)
    except DocumentError as exc:
        _fail(DocumentError(f"{exc} (index {settings.index_dir}; --index-dir names another)"))
    except RagError as exc:
        _fail(exc)
    click.echo(f"removed {len(report.removed)}: {', '.join(report.removed)}; {len(assistant.index.documents)} left")


def _count(n: int, noun: str) -> str:
    """``1 document``, ``2 documents``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


CHAT_BANNER = "rag chat · {n} 篇文档 · 直接输入问题（可接着追问，如“那……呢？”）· /reset 新对话 · /quit 或 Ctrl-D 退出"


@cli.command()
@_index_options
def chat(index_dir, embedder) -> None:
    """Interactive questions with follow-ups (那雁塔区呢？). /reset starts over; /quit or Ctrl-D ends."""
    from .assistant import Assistant
    from .dialogue import was_rewritten
    from .zh_messages import zh_error

    settings = _settings(index_dir=index_dir, embedder=embedder)
    try:  # the chat speaks Chinese (its banner, prompts and errors): so do its start-up notices and failures
        assistant = Assistant.open(settings, build_if_missing=index_dir is None, chinese=True)
    except RagError as exc:
        _fail(exc, chinese=True)
    history: list[str] = []
    interactive = sys.stdin.isatty()
    click.echo(CHAT_BANNER.format(n=len(assistant.index.documents)), err=not interactive)
    while True:
        try:
            line = input("问> " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            if interactive:
                click.echo()
            break
        command = line.strip().lower()
        if not command:
            continue
        if command in ("/quit", "/exit", "/q"):
            break
        if command in ("/reset", "/new"):
            history.clear()
            click.echo("（已开始新对话）")
            continue
        if command.startswith("/"):
            click.echo("可用命令：/reset 新对话，/quit 退出")
            continue
        try:
            answer = assistant.ask(line, history=history)
        except RagError as exc:
            click.echo(zh_error(exc), err=True)
            continue
        if was_rewritten(line, answer.resolved_question):
            click.echo(f"（理解为：{answer.resolved_question}）")
        click.echo(_render(answer) + "\n")
        if answer.explanation.get("abstain_reason") != "needs_context":
            history.append(line)


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="interface to listen on (0.0.0.0: all)")
@click.option("--port", default=7860, show_default=True, type=int, help="port to listen on")
@click.option("--index-dir", type=click.Path(path_type=Path), help="index folder (env RAG_INDEX_DIR)")
@click.option(
    "--users-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="web chat logins, one name:password per line (instead of env RAG_UI_USERS=name:pw,name2:pw2)",
)
@click.option("--no-auth", is_flag=True, help="serve beyond loopback without any login or API token (not advised)")
@click.option("--read-only", is_flag=True, help="asking only: uploads and removals are refused (public demos)")
def ui(host: str, port: int, index_dir, users_file, no_auth: bool, read_only: bool) -> None:
    """Start the web chat and the HTTP API (/api/…, docs at /docs).

    On loopback no login is needed. On any other interface the chat needs logins (RAG_UI_USERS or
    --users-file) and the API a bearer token (RAG_API_TOKEN), or the server refuses to start; --no-auth
    serves without them.
    """
    import importlib.util
    import os

    from .access import AccessError, read_access

    settings = _settings(index_dir=index_dir)
    try:
        access = read_access(os.environ, users_file, read_only=read_only)
    except AccessError as exc:
        raise click.ClickException(str(exc)) from None
    if not _is_loopback(host) and not no_auth and not access.complete:
        missing = "、".join(access.missing())
        raise click.ClickException(
            f"拒绝启动：监听 {host} 时任何能连到本机的人都能访问，需要先设置{missing}"
            "（或者加 --no-auth 明确不设访问控制）。"
        )
    if importlib.util.find_spec("gradio") is None:
        raise click.ClickException('the web UI needs gradio: pip install "rag-zh[ui]"')
    try:
        from ui.app import launch
    except ImportError as exc:
        raise click.ClickException(f'the web UI needs gradio: pip install "rag-zh[ui]" ({exc})') from None
    try:
        launch(settings, host=host, port=port, build_if_missing=index_dir is None, access=access)
    except RagError as exc:
        _fail(exc)


@cli.command(name="eval")
@click.option("--gold", type=click.Path(path_type=Path), help="gold JSONL file (default: eval/gold.jsonl)")
@click.option(
    "--squad",
    "squad_file",
    type=click.Path(path_type=Path),
    help="instead: a SQuAD-format file (CMRC 2018), its questions asked over its own paragraphs",
)
@click.option(
    "--collections",
    type=click.Path(path_type=Path, file_okay=False),
    help="instead: a folder of collections (each a docs/ folder and a gold.jsonl), each indexed alone",
)
@click.option(
    "--gold-name",
    help="--collections: the question file asked in each collection folder (default gold.jsonl)",
)
@click.option("--split", type=click.Choice(["train", "dev", "all"]), help="--squad: which questions (default all)")
@click.option("--limit", type=click.IntRange(min=1), help="--squad: ask only the first N questions of the split")
@click.option("--drop-gold", is_flag=True, help="--squad: ask each again without its own paragraph (should refuse)")
@_index_options
@click.option("--json", "as_json", is_flag=True, help="print the metrics as one JSON object")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), help="write report.md/.json/.png here")
def eval_cmd(
    gold,
    squad_file,
    collections,
    gold_name,
    split,
    limit,
    drop_gold: bool,
    index_dir,
    embedder,
    as_json: bool,
    report_dir,
) -> None:
    """Run a gold Q&A set (or, with --squad, a SQuAD/CMRC file) through the assistant and report the metrics.

    With --squad, --index-dir is where the file's paragraphs are indexed (default: a cache folder under
    ~/.cache/rag-zh, built on first use and reused while the file, embedder and chunker are the same).
    """
    if sum(x is not None for x in (gold, squad_file, collections)) > 1:
        raise click.ClickException("give one of --gold, --squad and --collections")
    if collections is not None:
        if split or limit or drop_gold or index_dir:
            raise click.ClickException("--collections indexes each collection itself: no --index-dir/--split/--limit")
        from .evaluation import run_collections_eval

        try:
            result = run_collections_eval(
                collections, _settings(embedder=embedder), sys.stderr.isatty(), gold_name=gold_name or "gold.jsonl"
            )
        except RagError as exc:
            _fail(exc)
        for warning in result["warnings"]:
            click.echo(f"warning: {warning}", err=True)
        path = collections / (gold_name or "gold.jsonl")
    elif gold_name:
        raise click.ClickException("--gold-name goes with --collections DIR")
    elif squad_file is not None:
        result, path = _squad_eval(squad_file, split or "all", limit, drop_gold, index_dir, embedder)
    elif split or limit or drop_gold:
        raise click.ClickException("--split, --limit and --drop-gold go with --squad FILE")
    else:
        result, path = _gold_eval(gold, index_dir, embedder)
    if report_dir:
        if squad_file is not None:
            from .squad_eval import write_squad_report as writer
        else:
            from .evaluation import write_report as writer
        for written in writer(result, report_dir, path):
            click.echo(f"wrote {written}", err=True)
    if as_json:
        click.echo(json.dumps({k: v for k, v in result.items() if k != "rows"}, ensure_ascii=False))
    elif squad_file is not None:
        from .squad_eval import format_squad_table

        click.echo(format_squad_table(result))
    else:
        from .evaluation import format_table

        click.echo(format_table(result))


def _gold_eval(gold, index_dir, embedder) -> tuple[dict, Path]:
    from .assistant import Assistant
    from .config import bundled_gold_file
    from .evaluation import load_gold, run_eval, validate_gold

    settings = _settings(index_dir=index_dir, embedder=embedder)
    gold = gold or bundled_gold_file()
    try:
        items = load_gold(gold)
        assistant = Assistant.open(settings)
    except RagError as exc:
        _fail(exc)
    for p in validate_gold(items, assistant.index.documents):
        click.echo(f"warning: {p}", err=True)
    return run_eval(assistant, items, show_progress=sys.stderr.isatty()), gold


def _squad_eval(path, split: str, limit, drop_gold: bool, index_dir, embedder) -> tuple[dict, Path]:
    from .assistant import Assistant
    from .embedders import load_embedder
    from .squad import load_squad, open_squad_index
    from .squad_eval import run_squad_eval

    settings = _settings(embedder=embedder)
    try:
        squad = load_squad(path)
        questions = squad.select(split, limit)
        emb = load_embedder(settings.embedder, settings)
        index = open_squad_index(squad, settings, emb, index_dir, show_progress=sys.stderr.isatty())
    except RagError as exc:
        _fail(exc)
    assistant = Assistant(index, emb, settings)
    return run_squad_eval(assistant, questions, drop_gold=drop_gold, show_progress=sys.stderr.isatty()), path


def main() -> None:
    cli(prog_name="rag")


if __name__ == "__main__":
    main()
