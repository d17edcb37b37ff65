"""Document identity and recorded sources: same-name files, re-sync, rebuild, removal, old indexes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.assistant import Assistant, build_index
from rag.chunking import ChunkerSettings
from rag.cli import cli
from rag.config import Settings
from rag.documents import doc_id_for, load_corpus, load_document
from rag.embedders import HashEmbedder
from rag.errors import DocumentError, IndexCorrupt, IndexNotFound
from rag.index import Index, read_sources

from .old_formats import documents_as_jsonl

TXT = "清河镇卫生院新大楼共有5层。\n清河镇卫生院有病床60张。\n"
HTML = "<html><body><h1>清河镇图书馆</h1><p>清河镇图书馆藏书3万册。</p><p>图书馆每周开放6天。</p></body></html>"


def _settings(index_dir: Path, **kw) -> Settings:
    return Settings(index_dir=index_dir, embedder="hash-test", **kw)


def _corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "xss.txt").write_text(TXT, encoding="utf-8")
    (folder / "xss.html").write_text(HTML, encoding="utf-8")
    return folder


def _every_chunk_slices_its_document(index: Index) -> None:
    for c in index.chunks:
        assert index.document(c.doc_id).text[c.start : c.end] == c.text


def test_ids_keep_the_extension_and_uploads_are_tagged():
    assert doc_id_for("xss.txt") == "xss.txt" and doc_id_for("xss.html") == "xss.html"
    assert doc_id_for("sub\\a.md") == "sub/a.md"
    assert doc_id_for("xss.txt", "upload") == "upload:xss.txt"


def test_same_name_different_extension_in_one_folder(tmp_path):
    docs, warnings = load_corpus([_corpus(tmp_path / "docs")])
    assert not warnings and sorted(d.id for d in docs) == ["xss.html", "xss.txt"]
    settings = _settings(tmp_path / "idx")
    _, report, _ = build_index([tmp_path / "docs"], settings, show_progress=False)
    assert sorted(report.added) == ["xss.html", "xss.txt"]
    loaded = Index.load(settings.index_dir)  # verifies checksums
    _every_chunk_slices_its_document(loaded)
    assistant = Assistant.open(settings, build_if_missing=False)
    for q in ("卫生院有多少张病床", "图书馆藏书多少册", "图书馆每周开放几天"):
        answer = assistant.ask(q)  # never raises
        for quote in answer.quotes:
            assert quote.matches(loaded.document(quote.doc_id))


def test_same_name_indexed_one_after_the_other(tmp_path):
    settings = _settings(tmp_path / "idx")
    a = tmp_path / "a"
    a.mkdir()
    (a / "report.txt").write_text(TXT, encoding="utf-8")
    build_index([a / "report.txt"], settings, show_progress=False)
    (a / "report.html").write_text(HTML, encoding="utf-8")
    index, report, _ = build_index([a / "report.html"], settings, show_progress=False)
    assert report.added == ["report.html"] and not report.changed
    assert sorted(index.documents) == ["report.html", "report.txt"]
    _every_chunk_slices_its_document(Index.load(settings.index_dir))


def test_duplicate_ids_are_a_clear_error_never_a_corrupt_index(tmp_path):
    doc = load_document(_corpus(tmp_path / "d") / "xss.txt")
    with pytest.raises(DocumentError, match="would both be 'xss.txt'"):
        Index.build([doc, doc.model_copy(update={"text": "另一篇。"})], HashEmbedder(), ChunkerSettings())
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        folder.mkdir()
        (folder / "a.txt").write_text(TXT, encoding="utf-8")
    with pytest.raises(DocumentError, match="would both be document 'a.txt'"):
        load_corpus([one, two])


def test_uploads_of_the_same_name_and_a_folder_file_never_collide(tmp_path):
    settings = _settings(tmp_path / "idx")
    docs = _corpus(tmp_path / "docs")
    build_index([docs], settings, show_progress=False)
    assistant = Assistant.open(settings, build_if_missing=False)
    assistant.add_documents([docs / "xss.txt", docs / "xss.html"], upload=True)
    ids = sorted(assistant.index.documents)
    assert ids == ["upload:xss.html", "upload:xss.txt", "xss.html", "xss.txt"]
    _every_chunk_slices_its_document(Index.load(settings.index_dir))
    assert not assistant.ask("图书馆藏书多少册").abstained


def test_rebuild_restores_the_users_documents_not_the_seeds(tmp_path):
    settings = _settings(tmp_path / "idx")
    build_index([_corpus(tmp_path / "docs")], settings, show_progress=False)
    (settings.index_dir / "chunks.npy").write_text("garbage\n", encoding="utf-8")
    with pytest.raises(IndexCorrupt) as err:
        Index.load(settings.index_dir)
    assert f"rag index --rebuild --index-dir {settings.index_dir}" in str(err.value)
    assert [s["kind"] for s in read_sources(settings.index_dir)] == ["folder"]
    result = CliRunner().invoke(cli, ["index", "--rebuild", "--index-dir", str(settings.index_dir)], env=_env())
    assert result.exit_code == 0, result.output
    assert sorted(Index.load(settings.index_dir).documents) == ["xss.html", "xss.txt"]


def test_resync_removes_deleted_files_and_indexes_new_ones(tmp_path):
    settings = _settings(tmp_path / "idx")
    docs = _corpus(tmp_path / "docs")
    build_index([docs], settings, show_progress=False)
    (docs / "xss.html").unlink()
    (docs / "new.md").write_text("新的文章。河东村有农户120户。", encoding="utf-8")
    index, report, _ = build_index([], settings, show_progress=False)
    assert report.removed == ["xss.html"] and report.added == ["new.md"]
    assert sorted(index.documents) == ["new.md", "xss.txt"]


def test_remove_survives_a_restart_and_a_resync(tmp_path):
    settings = _settings(tmp_path / "idx")
    docs = _corpus(tmp_path / "docs")
    build_index([docs], settings, show_progress=False)
    runner = CliRunner()
    result = runner.invoke(cli, ["remove", "xss.html", "--index-dir", str(settings.index_dir)], env=_env())
    assert result.exit_code == 0 and "removed 1: xss.html" in result.output
    assert sorted(Index.load(settings.index_dir).documents) == ["xss.txt"]
    build_index([], settings, show_progress=False)  # a re-sync does not bring it back
    assert sorted(Index.load(settings.index_dir).documents) == ["xss.txt"]
    build_index([docs], settings, show_progress=False)  # indexing the folder by name does
    assert sorted(Index.load(settings.index_dir).documents) == ["xss.html", "xss.txt"]
    bad = runner.invoke(cli, ["remove", "nope.txt", "--index-dir", str(settings.index_dir)], env=_env())
    assert bad.exit_code != 0 and "no document 'nope.txt'" in bad.output and "--index-dir" in bad.output


def test_removing_an_upload_deletes_its_copy(tmp_path):
    settings = _settings(tmp_path / "idx")
    build_index([_corpus(tmp_path / "docs")], settings, show_progress=False)
    assistant = Assistant.open(settings, build_if_missing=False)
    staged = tmp_path / "staged" / "note.txt"
    staged.parent.mkdir()
    staged.write_text("河西村有水井3口。", encoding="utf-8")
    assistant.add_documents([staged], sources=["corpus/note.txt"], upload=True)
    (settings.index_dir / "corpus").mkdir()
    shutil.copyfile(staged, settings.index_dir / "corpus" / "note.txt")
    assistant.remove_documents(["upload:note.txt"])
    assert not (settings.index_dir / "corpus" / "note.txt").exists()
    assert "upload:note.txt" not in Index.load(settings.index_dir).documents


def test_docs_lists_documents(tmp_path):
    settings = _settings(tmp_path / "idx")
    build_index([_corpus(tmp_path / "docs")], settings, show_progress=False)
    result = CliRunner().invoke(cli, ["docs", "--json", "--index-dir", str(settings.index_dir)], env=_env())
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in rows] == ["xss.html", "xss.txt"]
    html = rows[0]
    assert html["format"] == "html" and html["title"] == "清河镇图书馆" and html["chunks"] >= 1
    assert html["chars"] > 0 and html["indexed_at"] and html["root"] == str((tmp_path / "docs").resolve())
    assert html["pages"] is None  # only PDFs have pages
    text = CliRunner().invoke(cli, ["docs", "--index-dir", str(settings.index_dir)], env=_env()).output
    assert "清河镇图书馆" in text and "2 documents in" in text


def test_index_dir_that_is_missing_or_holds_documents_is_an_error(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(cli, ["ask", "问题", "--index-dir", str(tmp_path / "nothing")], env=_env())
    assert missing.exit_code != 0 and "no index in" in missing.output
    assert not (tmp_path / "nothing").exists()  # no seed index was built there
    docs = _corpus(tmp_path / "docs")
    here = runner.invoke(cli, ["ask", "问题", "--index-dir", str(docs)], env=_env())
    assert here.exit_code != 0 and f"rag index {docs}" in here.output
    assert sorted(p.name for p in docs.iterdir()) == ["xss.html", "xss.txt"]


def test_nothing_indexable_exits_non_zero(tmp_path):
    runner = CliRunner()
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(cli, ["index", str(tmp_path / "empty"), "--index-dir", str(tmp_path / "i1")], env=_env())
    assert empty.exit_code != 0 and "no documents found" in empty.output
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.txt").write_bytes(b"\x00\x01binary")
    bad = runner.invoke(cli, ["index", str(tmp_path / "bad"), "--index-dir", str(tmp_path / "i2")], env=_env())
    assert bad.exit_code != 0 and "nothing could be indexed" in bad.output
    assert bad.output.count("binary") == 1  # the warning is printed once


def _downgrade_to_format_1(folder: Path, rename: dict[str, str]) -> None:
    """Rewrite a saved index as the old format wrote it: ids without extension, format_version 1, chunks in JSONL."""
    chunks = list(Index.load(folder).chunks)
    documents_as_jsonl(folder)
    (folder / "chunks.jsonl").write_text("".join(c.model_dump_json() + "\n" for c in chunks), encoding="utf-8")
    for name, key in (("documents.jsonl", "id"), ("chunks.jsonl", "doc_id")):
        rows = [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]
        for row in rows:
            old = rename[row[key]]
            if name == "chunks.jsonl":
                row["id"] = row["id"].replace(row["doc_id"], old, 1)
            row[key] = old
            if name == "documents.jsonl":
                row.pop("source_root", None), row.pop("format", None)
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 1
    for name in ("chunks.npy", "sections.json"):
        (folder / name).unlink()
        del manifest["checksums"][name]
    for name in ("documents.jsonl", "chunks.jsonl"):
        manifest["checksums"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_an_old_index_is_migrated_with_a_message(tmp_path, caplog):
    settings = _settings(tmp_path / "idx")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "xss.txt").write_text(TXT, encoding="utf-8")
    build_index([docs], settings, show_progress=False)
    _downgrade_to_format_1(settings.index_dir, {"xss.txt": "xss"})
    index = Index.load(settings.index_dir)
    assert list(index.documents) == ["xss.txt"] and "format 1" in caplog.text
    _every_chunk_slices_its_document(index)
    build_index([docs], settings, show_progress=False)
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    assert manifest["format_version"] == 4 and "chunks.npy" in manifest["checksums"]
    assert "documents.db" in manifest["checksums"]
    assert not (settings.index_dir / "chunks.jsonl").exists()  # the old files are not carried over
    assert not (settings.index_dir / "documents.jsonl").exists()


def test_an_old_index_with_a_collision_asks_for_a_rebuild(tmp_path):
    settings = _settings(tmp_path / "idx")
    build_index([_corpus(tmp_path / "docs")], settings, show_progress=False)
    _downgrade_to_format_1(settings.index_dir, {"xss.txt": "xss", "xss.html": "xss"})
    with pytest.raises(IndexCorrupt, match="gave two files the id 'xss'"):
        Index.load(settings.index_dir)


def test_index_not_found_names_the_users_command(tmp_path):
    with pytest.raises(IndexNotFound, match="rag index YOUR_DOCUMENTS --index-dir"):
        Index.load(tmp_path / "nothing")


def _env() -> dict[str, str]:
    return {"RAG_EMBEDDER": "hash-test"}


def test_no_lock_file_is_left_beside_the_index(tmp_path):
    from rag.locking import IndexLocked, write_lock

    folder = tmp_path / "idx"
    with write_lock(folder):
        assert (tmp_path / "idx.lock").exists()
        with pytest.raises(IndexLocked):
            with write_lock(folder):
                pass
    assert not (tmp_path / "idx.lock").exists()
    build_index([_corpus(tmp_path / "docs")], _settings(folder), show_progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "idx"]


def test_ui_without_gradio_prints_the_install_hint(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gradio" else real(name, *a))
    result = CliRunner().invoke(cli, ["ui"])
    assert result.exit_code != 0 and 'pip install "rag-zh[ui]"' in result.output
    assert "Traceback" not in result.output


def test_the_default_index_folder_with_only_its_readme_is_built_from_the_seeds(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(TXT, encoding="utf-8")
    folder = tmp_path / "index"
    folder.mkdir()
    (folder / "README.md").write_text("# the index is written here\n", encoding="utf-8")
    assistant = Assistant.open(_settings(folder, seeds_dir=seeds))
    assert list(assistant.index.documents) == ["a.txt"]


def test_the_wheel_carries_the_gold_set_for_rag_eval(tmp_path):
    """`rag eval` from a wheel install finds its gold set inside the package (rag/_eval/gold.jsonl)."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("rag_zh-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "rag/_eval/gold.jsonl" in names and "rag/_seeds/001_ad83b76884cea2bc.txt" in names
    from rag import config

    assert config.bundled_gold_file() == root / "eval" / "gold.jsonl"  # in a checkout
