"""Rewrite a saved index as an older format wrote it, to test that those are still read and migrated."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rag.docstore import DocumentStore


def documents_as_jsonl(folder: Path) -> None:
    """Format 3: the documents in ``documents.jsonl`` (one JSON line each, loaded whole), no ``documents.db``."""
    folder = Path(folder)
    store = DocumentStore(folder / "documents.db")
    lines = "".join(d.model_dump_json() + "\n" for d in store.values())
    (folder / "documents.jsonl").write_text(lines, encoding="utf-8")
    del store
    (folder / "documents.db").unlink()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["checksums"]["documents.db"]
    manifest.pop("documents_schema", None)
    manifest["checksums"]["documents.jsonl"] = hashlib.sha256((folder / "documents.jsonl").read_bytes()).hexdigest()
    manifest["format_version"] = 3
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
