import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from rag.cli import cli

from .conftest import ROOT


@pytest.fixture
def run():
    runner = CliRunner()

    def _run(*args, input=None, env=None):
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return _run


def test_ask_prints_answer_quote_and_offsets(run, built_index_dir):
    result = run("ask", "碑林区帮扶了多少个村", "--index-dir", str(built_index_dir))
    assert result.exit_code == 0, result.output
    assert "答：11个" in result.output
    assert "«碑林区承担蓝田县11个行政村驻村联户帮扶任务" in result.output
    assert "— 001_ad83b76884cea2bc.txt, 第 1 行, 字符 14–47" in result.output


def test_ask_json(run, built_index_dir, seed_docs):
    result = run("ask", "碑林区帮扶了多少个村", "--json", "--index-dir", str(built_index_dir))
    out = json.loads(result.output)
    assert set(out) >= {"question", "answer", "abstained", "confidence", "quotes", "hits", "timings_ms"}
    assert "11个" in out["answer"] and out["abstained"] is False
    q = out["quotes"][0]
    assert q["source"] == "001_ad83b76884cea2bc.txt" and q["doc_id"] == "001_ad83b76884cea2bc.txt"
    assert seed_docs["001"].text[q["start"] : q["end"]] == q["text"]
    assert "蓝田县11个行政村" in q["text"]
    assert {"chunk_id", "doc_id", "score", "dense_rank", "lexical_rank"} <= set(out["hits"][0])
    assert out["timings_ms"]["total"] > 0


def test_ask_jsonl_from_stdin(run, built_index_dir):
    result = run(
        "ask",
        "-",
        "--json",
        "--index-dir",
        str(built_index_dir),
        input="碑林区帮扶了多少个村\n\n岚皋县累计完成森林抚育补贴项目多少亩\n",
    )
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [line["question"] for line in lines] == ["碑林区帮扶了多少个村", "岚皋县累计完成森林抚育补贴项目多少亩"]
    assert "20.9万亩" in lines[1]["answer"]


def test_jsonl_reports_a_bad_line_and_goes_on(run, built_index_dir):
    result = CliRunner().invoke(
        cli, ["ask", "-", "--json", "--index-dir", str(built_index_dir)], input="🙂🙂\n碑林区帮扶了多少个村\n"
    )
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert "error" in lines[0] and "11个" in lines[1]["answer"]
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "the question is empty"),
        ("   \t ", "the question is empty"),
        ("🙂🙂🙂", "no words"),
        ("问" * 10_000, "问题太长（10000 字），请控制在 500 字以内。"),  # a Chinese question: told in Chinese
        ("what?" * 200, "keep it under 500"),
        ("\x00\x01\x02", "the question is empty"),
    ],
)
def test_bad_questions_are_one_line_errors(question, message, built_index_dir):
    result = CliRunner().invoke(cli, ["ask", question, "--index-dir", str(built_index_dir)], env={"LC_ALL": "C"})
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_errors_are_told_in_the_language_of_the_question_or_the_locale(tmp_path, built_index_dir):
    """A question in Chinese gets its errors in Chinese (then the library's message, which names the folder and
    the command to run); an English one in English; a question with no letters follows the locale."""
    missing = tmp_path / "nowhere"
    zh = CliRunner().invoke(cli, ["ask", "碑林区帮扶了多少个村", "--index-dir", str(missing)], env={"LC_ALL": "C"})
    assert zh.exit_code == 1
    assert zh.output.startswith("错误：找不到索引，请先建索引") and f"no index in {missing}" in zh.output
    assert "Error:" not in zh.output
    en = CliRunner().invoke(
        cli, ["ask", "how many villages", "--index-dir", str(missing)], env={"LC_ALL": "zh_CN.UTF-8"}
    )
    assert en.exit_code == 1 and en.output.startswith("Error: no index in")
    for locale, expected in (("zh_CN.UTF-8", "错误：问题是空的"), ("en_US.UTF-8", "Error: the question is empty")):
        result = CliRunner().invoke(cli, ["ask", " ", "--index-dir", str(built_index_dir)], env={"LC_ALL": locale})
        assert result.exit_code == 1 and result.output.startswith(expected), result.output
    lines = CliRunner().invoke(
        cli, ["ask", "-", "--index-dir", str(built_index_dir)], input="问" * 600 + "\n" + "why" * 200 + "\n"
    )
    assert "错误：问题太长（600 字）" in lines.output and "Error: the question is 600 characters long" in lines.output
    assert lines.exit_code == 1


def test_index_missing_path(tmp_path):
    result = CliRunner().invoke(cli, ["index", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "i")])
    assert result.exit_code == 1
    assert "Error: " in result.output and "no such file or folder" in result.output


def test_index_unreadable_file_is_skipped_with_warning_or_strict_error(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text("灞桥区帮扶了7个村。", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\xff\x00")
    args = ["index", str(corpus), "--index-dir", str(tmp_path / "i"), "--embedder", "hash-test"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "warning: skipped" in result.output and "bad.txt" in result.output
    assert "1 document," in result.output
    strict = CliRunner().invoke(cli, [*args, "--strict"])
    assert strict.exit_code == 1 and "bad.txt" in strict.output


def test_index_permission_denied_file_is_skipped(tmp_path, monkeypatch):
    """A file the process may not read (chmod 000 does not stop root, so the OS error is injected)."""
    from pathlib import Path

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.txt").write_text("灞桥区帮扶了7个村。", encoding="utf-8")
    (corpus / "locked.txt").write_text("长安区帮扶了9个村。", encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    args = ["index", str(corpus), "--index-dir", str(tmp_path / "i"), "--embedder", "hash-test"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "locked.txt" in result.output and "Permission denied" in result.output
    assert "1 document," in result.output and "Traceback" not in result.output


def test_corrupt_and_mismatched_index(index_copy):
    mismatch = CliRunner().invoke(cli, ["ask", "碑林区", "--index-dir", str(index_copy), "--embedder", "hash-test"])
    assert mismatch.exit_code == 1
    assert "built with embedder 'e5-small-bundled', not 'hash-test'" in mismatch.output
    (index_copy / "chunks.npy").write_text("garbage", encoding="utf-8")
    corrupt = CliRunner().invoke(cli, ["ask", "碑林区", "--index-dir", str(index_copy)])
    assert corrupt.exit_code == 1
    assert "rag index --rebuild" in corrupt.output and "Traceback" not in corrupt.output


def test_invalid_setting_is_pydantics_message(tmp_path):
    result = CliRunner().invoke(cli, ["ask", "碑林区", "--index-dir", str(tmp_path)], env={"RAG_TOP_K": "many"})
    assert result.exit_code == 1
    assert "invalid setting RAG_TOP_K" in result.output and "integer" in result.output
    result = CliRunner().invoke(cli, ["ask", "碑林区", "--index-dir", str(tmp_path), "--top-k", "0"])
    assert result.exit_code == 1 and "RAG_TOP_K" in result.output


def test_unknown_embedder_flag(tmp_path):
    result = CliRunner().invoke(cli, ["index", "--index-dir", str(tmp_path), "--embedder", "bogus"])
    assert result.exit_code == 1 and "unknown embedder 'bogus'" in result.output


def test_ask_builds_the_seeds_index_first_from_any_directory(tmp_path):
    """A fresh process in another working directory, with no index yet: it builds one, then answers."""
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "fresh-index")}
    proc = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "碑林区帮扶了多少个村", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    # asked in Chinese: told in Chinese
    assert "里还没有索引，正在用内置文章" in proc.stderr and str(ROOT / "seeds") in proc.stderr
    assert "索引已建好：5 篇文章" in proc.stderr
    out = json.loads(proc.stdout)
    assert "11个" in out["answer"]
    assert (tmp_path / "fresh-index" / "manifest.json").is_file()


def test_the_first_build_is_announced_in_english_for_an_english_question(tmp_path):
    env = {"RAG_INDEX_DIR": str(tmp_path / "fresh-index"), "RAG_EMBEDDER": "hash-test", "LC_ALL": "C"}
    result = CliRunner().invoke(cli, ["ask", "how many villages did Beilin help"], env=env)
    assert result.exit_code == 0, result.output
    assert "No index in" in result.output and "building it from" in result.output
    assert "Index built: 5 added" in result.output


def test_index_then_incremental_update_via_cli(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("灞桥区帮扶了7个村。", encoding="utf-8")
    args = ["index", str(corpus), "--index-dir", str(tmp_path / "i"), "--embedder", "hash-test"]
    first = CliRunner().invoke(cli, args)
    assert "1 added" in first.output
    (corpus / "b.txt").write_text("未央区帮扶了9个村。", encoding="utf-8")
    second = CliRunner().invoke(cli, args)
    assert "1 added, 0 changed, 1 unchanged" in second.output and "embedded 1 of 2 chunks" in second.output


def test_chat_resolves_follow_ups(built_index_dir):
    result = CliRunner().invoke(
        cli,
        ["chat", "--index-dir", str(built_index_dir)],
        input="碑林区帮扶了多少个村\n那雁塔区呢？\n它投入了多少资金？\n",
    )
    assert result.exit_code == 0, result.output
    answers = [line for line in result.output.splitlines() if line.startswith("答：")]
    assert answers[0].startswith("答：11个")
    assert answers[1].startswith("答：14个")
    assert "雁塔区投入了多少资金" in result.output  # the resolved question is shown


def test_chat_fails_in_chinese(tmp_path):
    result = CliRunner().invoke(cli, ["chat", "--index-dir", str(tmp_path / "nowhere")], env={"LC_ALL": "C"})
    assert result.exit_code == 1 and result.output.startswith("错误：找不到索引")


def test_chat_banner_reset_and_quit(built_index_dir):
    result = CliRunner().invoke(
        cli,
        ["chat", "--index-dir", str(built_index_dir)],
        input="碑林区帮扶了多少个村？\n/reset\n那雁塔区呢？\n/quit\n碑林区帮扶了多少个村\n",
    )
    assert result.exit_code == 0, result.output
    assert "/reset" in result.output and "/quit" in result.output and "Ctrl-D" in result.output  # the banner
    assert "（已开始新对话）" in result.output
    assert "您想问“雁塔区”的什么？" in result.output  # after /reset there is nothing to follow
    assert "理解为" not in result.output  # 「？」 stripped is no rewrite
    assert len([line for line in result.output.splitlines() if line.startswith("答：")]) == 2  # none after /quit


def test_refusal_shows_related_passages_where_they_are_in_the_file(run, built_index_dir):
    result = run("ask", "长安区帮扶了多少个村", "--index-dir", str(built_index_dir))
    assert "资料中没有找到" in result.output
    related = [line for line in result.output.splitlines() if line.startswith("  · ")]
    assert related and all("行, 字符" in line for line in related)  # file lines and offsets, not cleaned-text ones


def test_text_answers_from_stdin_each_stand_under_their_question(run, built_index_dir):
    result = CliRunner().invoke(
        cli, ["ask", "-", "--index-dir", str(built_index_dir)], input="碑林区帮扶了多少个村\n\n🙂🙂\n"
    )
    out = result.output
    assert out.index("问：碑林区帮扶了多少个村") < out.index("11个") < out.index("问：🙂🙂")
    assert result.exit_code == 1  # the emoji-only line is reported and counted


def test_a_no_op_index_is_found_from_the_manifest_without_loading_the_index(run, tmp_path, monkeypatch):
    """Nothing changed on disk: `rag index` says so from the manifest and the files' sizes and times alone;
    a new file, a changed size or time, or another embedder goes through the full update."""
    import shutil
    import time

    from rag.index import Index

    from .conftest import SEEDS

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    past = time.time() - 3600
    for path in corpus.iterdir():
        os.utime(path, (past, past))
    idx = str(tmp_path / "idx")
    env = {"RAG_EMBEDDER": "hash-test"}
    assert run("index", str(corpus), "--index-dir", idx, env=env).exit_code == 0

    def no_load(*args, **kwargs):
        raise AssertionError("the index was loaded")

    monkeypatch.setattr(Index, "load", no_load)
    for args in ((str(corpus),), ()):  # the folder again, or the recorded sources
        result = run("index", *args, "--index-dir", idx, env=env)
        assert result.exit_code == 0 and "5 documents" in result.output and "5 unchanged" in result.output
    monkeypatch.undo()

    target = next(corpus.iterdir())
    os.utime(target, (past + 60, past + 60))  # touched: read again (found the same)
    (corpus / "new.txt").write_text("新文章。灞桥区帮扶了7个村。", encoding="utf-8")
    result = run("index", str(corpus), "--index-dir", idx, env=env)
    assert "1 added" in result.output and "6 documents" in result.output


def test_indexing_does_not_import_the_answer_builder():
    """A no-op `rag index` costs its imports; the answer builder (a quarter of them) is loaded by the first ask."""
    code = "import sys, rag.cli, rag.assistant; print('rag.answering' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
