"""SQuAD-format files (CMRC 2018): questions, the fixed train/dev split, and a cached index of their paragraphs."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from .chunking import ChunkerSettings
from .config import Settings
from .errors import IndexCorrupt, IndexNotFound, RagError
from .index import Index, remove_stale
from .locking import write_lock
from .normalize import describe as describe_normalization
from .schema import Document

log = logging.getLogger(__name__)

SPLITS = ("train", "dev")
# Bump when squad_documents changes what a paragraph's document looks like: cached indexes are rebuilt.
DOCUMENTS_VERSION = 1


def paragraph_split(paragraph_id: str) -> str:
    """``"dev"`` for about a third of the paragraphs (SHA-1 of the id ≡ 0 mod 3), else ``"train"``.

    A fixed rule that others rely on: never change it.
    """
    return "dev" if int(hashlib.sha1(paragraph_id.encode("utf-8")).hexdigest(), 16) % 3 == 0 else "train"


@dataclass(frozen=True)
class Paragraph:
    id: str
    title: str
    context: str

    @property
    def split(self) -> str:
        return paragraph_split(self.id)


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    paragraph_id: str

    @property
    def split(self) -> str:
        return paragraph_split(self.paragraph_id)


@dataclass(frozen=True)
class SquadSet:
    path: Path
    sha256: str
    paragraphs: tuple[Paragraph, ...]
    questions: tuple[SquadQuestion, ...]

    def select(self, split: str = "all", limit: int | None = None) -> list[SquadQuestion]:
        """Questions of ``split`` (``train``, ``dev`` or ``all``) in file order, the first ``limit`` of them."""
        if split not in (*SPLITS, "all"):
            raise RagError(f"unknown split {split!r}; use train, dev or all")
        chosen = [q for q in self.questions if split == "all" or q.split == split]
        return chosen[:limit] if limit is not None else chosen


def load_squad(path: Path) -> SquadSet:
    """Read a SQuAD-format JSON file (``data[].paragraphs[].{id, context, qas[]}``).

    Raises:
        RagError: missing file, not JSON, not SQuAD-shaped, or duplicate paragraph/question ids.
    """
    path = Path(path)
    if not path.is_file():
        raise RagError(f"SQuAD file {path} does not exist")
    raw = path.read_bytes()
    try:
        articles = json.loads(raw.decode("utf-8"))["data"]
        paragraphs, questions = [], []
        for article in articles:
            for p in article["paragraphs"]:
                paragraphs.append(Paragraph(str(p["id"]), str(article.get("title", "")), p["context"]))
                for qa in p["qas"]:
                    answers = tuple(a["text"] for a in qa["answers"])
                    questions.append(SquadQuestion(str(qa["id"]), qa["question"], answers, str(p["id"])))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise RagError(
            f"{path} is not a SQuAD-format file (data[].paragraphs[].{{id, context, qas}}): {exc!r}"
        ) from None
    for kind, ids in (("paragraph", [p.id for p in paragraphs]), ("question", [q.id for q in questions])):
        if len(set(ids)) != len(ids):
            raise RagError(f"{path}: duplicate {kind} ids; each {kind} needs its own id")
    if not questions:
        raise RagError(f"{path} holds no questions")
    return SquadSet(path, hashlib.sha256(raw).hexdigest(), tuple(paragraphs), tuple(questions))


def squad_documents(squad: SquadSet) -> list[Document]:
    """One document per paragraph: id and source are the paragraph id, title the article title."""
    return [
        Document(
            id=p.id,
            source=p.id,
            title=p.title,
            text=p.context,
            sha256=hashlib.sha256(p.context.encode("utf-8")).hexdigest(),
        )
        for p in squad.paragraphs
    ]


def default_cache_dir(squad: SquadSet, embedder_name: str) -> Path:
    """``~/.cache/rag-zh/squad-<hash of file and embedder>``."""
    key = hashlib.sha256(f"{squad.sha256}\n{embedder_name}".encode()).hexdigest()[:16]
    return Path.home() / ".cache" / "rag-zh" / f"squad-{key}"


def _marker(squad: SquadSet) -> dict:
    return {"file": squad.path.name, "sha256": squad.sha256, "documents_version": DOCUMENTS_VERSION}


def open_squad_index(
    squad: SquadSet, settings: Settings, embedder, index_dir: Path | None = None, show_progress: bool = False
) -> Index:
    """The index of ``squad``'s paragraphs in ``index_dir`` (default :func:`default_cache_dir`).

    Reused when it was built from the same file, embedder, chunker and text normalisation; otherwise (re)built
    and saved.

    Raises:
        RagError: ``index_dir`` holds an index of other documents (it is never overwritten).
    """
    from .assistant import dense_factory

    folder = Path(index_dir) if index_dir else default_cache_dir(squad, embedder.name)
    chunker = ChunkerSettings(settings.chunk_size, settings.chunk_overlap)
    previous = _load_existing(folder, embedder.name)
    if previous is not None:
        if previous.manifest.get("squad") is None:
            raise RagError(f"{folder} holds an index of other documents; pass an empty or new --index-dir")
        same_view = previous.manifest.get("normalization") == describe_normalization()
        if (
            previous.manifest["squad"] == _marker(squad)
            and previous.manifest.get("chunker") == chunker.as_dict()
            and same_view
        ):
            return previous
    log.warning("indexing %d paragraphs of %s into %s", len(squad.paragraphs), squad.path.name, folder)
    with write_lock(folder):
        remove_stale(folder)
        index, _ = Index.build(
            squad_documents(squad),
            embedder,
            chunker,
            previous=previous,
            keep_previous=False,
            show_progress=show_progress,
            dense_factory=dense_factory(settings),
        )
        index.manifest["squad"] = _marker(squad)
        index.save(folder)
    return index


def _load_existing(folder: Path, embedder_name: str) -> Index | None:
    if not Index.exists(folder):
        return None
    try:
        index = Index.load(folder)
    except (IndexNotFound, IndexCorrupt) as exc:
        log.warning("rebuilding %s: %s", folder, exc)
        return None
    if index.embedder_name != embedder_name:
        if index.manifest.get("squad") is None:
            raise RagError(f"{folder} holds an index of other documents; pass an empty or new --index-dir")
        return None  # a SQuAD index of another embedder: rebuilt in full
    return index


def split_listing(squad: SquadSet) -> dict:
    """The split of every paragraph, for ``eval/cmrc2018/split.json``."""
    out: dict = {
        "rule": 'dev when int(sha1(paragraph_id.encode("utf-8")).hexdigest(), 16) % 3 == 0, else train',
        "file": squad.path.name,
        "sha256": squad.sha256,
    }
    for s in SPLITS:
        paragraphs = [p.id for p in squad.paragraphs if p.split == s]
        out[s] = {
            "paragraphs": len(paragraphs),
            "questions": sum(q.split == s for q in squad.questions),
            "paragraph_ids": paragraphs,
        }
    return out
