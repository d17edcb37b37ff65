"""Load articles (.txt, .md, .html), detect their encoding, strip page furniture, repair broken lines."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .errors import DocumentError
from .schema import Document

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

# Sentence-final punctuation, and closers that may follow it.
_TERMINAL = "。！？!?…；;：:"
_CLOSERS = "”’」』》）)】\"'"
# Lines that are page furniture of Chinese news sites, not article text.
_FURNITURE = [
    re.compile(p)
    for p in (
        r"^.{0,12}logo$",
        r"^(扫码)?下载.{0,12}客户端$",
        r"^(登录|注册|收藏|反馈|字号|分享|打印|关闭|关闭窗口|返回顶部|我要举报|举报|评论|点赞|本期完整内容|长按识别二维码|返回搜狐.*)$",
        r"^[•·\-\s]*[+＋]\d+$",
        r"icp备|icp证|公网安备|网安备|许可证[:：]|增值电信业务",
        r"^(©|\(c\)|copyright)|版权所有",
        r"^[（(]?(责编|责任编辑|编辑|校对|审核|来源|原标题|图)[:：]",
        r"^来源[:：]",
        r"本文为.{0,40}(仅代表|不代表)",
        r"向上滑动|向下滑动|点击查看|点击进入|阅读原文",
        r"^观看\s*[|｜]",
        r"^[|｜].*[|｜]$",
    )
]
BYLINE = re.compile(r"^(记者|通讯员|本报记者|特约记者|作者|文|摄影|编辑)[\s:：丨|]")
_LIST_START = re.compile(
    r"^([^\s,，。；;:：]{1,6}[:：]|\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[是、]|本报讯|——)"
)
_HEADING_MAX = 30
DATELINE = re.compile(r"^[\d\s年月日时分:：\-/.]+$")
_TRAILING_TIMESTAMP = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2})?$")
_SPEAKER_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}[:：]")


def read_text(path: Path, max_bytes: int | None = None) -> tuple[str, str]:
    """Read ``path`` and decode it; returns ``(text, sha256 of the bytes)``.

    Tries UTF-8 (with or without BOM), then GB18030 (a superset of GBK/GB2312), then charset detection.

    Raises:
        DocumentError: the file is missing, too large, binary, or in no encoding we can decode.
    """
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise DocumentError(
                f"{path}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit (set RAG_MAX_FILE_MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{path}: looks like a binary file, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), digest
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError(f"{path}: cannot decode (not UTF-8, GB18030/GBK or any detectable encoding)")
    return str(best), digest


def html_to_text(html: str) -> tuple[str, str | None]:
    """Visible text of an HTML page, one block per line, and its ``<title>``/``<h1>`` if any."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    title = None
    if soup.h1 and soup.h1.get_text(strip=True):
        title = soup.h1.get_text(" ", strip=True)
    elif soup.title and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
    if soup.title:
        soup.title.decompose()
    body = soup.body or soup
    return body.get_text("\n"), title


def _is_furniture(line: str) -> bool:
    low = line.lower()
    return any(p.search(low) for p in _FURNITURE)


def _ends_sentence(line: str) -> bool:
    """The line ends with sentence punctuation, possibly followed by closing quotes or brackets."""
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def is_heading(line: str) -> bool:
    """A short line that is not a sentence: a headline, sub-headline or list heading."""
    line = line.strip()
    return (
        1 < len(line) <= _HEADING_MAX
        and not _ends_sentence(line)
        and not BYLINE.match(line)
        and not DATELINE.match(line)
    )


def clean_text(raw: str) -> str:
    """Cleaned article text: furniture and image captions dropped, layout line breaks repaired.

    Every non-empty line of the result is one paragraph (or heading), separated by ``\\n``.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    # (line, blank lines before it)
    lines: list[tuple[str, int]] = []
    blanks = 99  # document start counts as a wide gap
    for raw_line in text.split("\n"):
        line = raw_line.replace("\u00a0", " ").replace("\u3000", " ").replace("\t", " ").strip()
        line = re.sub(r" {2,}", " ", line)
        if not line:
            blanks += 1
            continue
        lines.append((line, blanks))
        blanks = 0
    gaps_after = [lines[i + 1][1] for i in range(len(lines) - 1)] + [99]

    kept: list[str] = []
    prev_caption = False
    for i, (line, before) in enumerate(lines):
        if _is_furniture(line):
            continue
        # Image captions: short non-sentences standing alone between wide gaps (or chained after one).
        short = len(line) <= 40 and not _ends_sentence(line) and not BYLINE.match(line)
        isolated = before >= 2 and (gaps_after[i] >= 2 or prev_caption)
        if short and isolated:
            prev_caption = True
            continue
        prev_caption = False
        kept.append(line)

    out: list[str] = []
    for line in kept:
        if out and _is_layout_break(out[-1], line):
            out[-1] = out[-1] + line
        elif out and _is_speaker_name(out[-1], line):
            out[-1] = out[-1] + " " + line  # 何村党支部书记 / 史安民: → 何村党支部书记 史安民:
        else:
            out.append(line)
    return "\n".join(out)


def _is_layout_break(prev: str, line: str) -> bool:
    """True when ``prev`` was cut mid-sentence by page layout and ``line`` continues it."""
    if len(prev) < 20 or _ends_sentence(prev) or prev[-1] in _CLOSERS:
        return False
    if _LIST_START.match(line) or BYLINE.match(line) or is_heading(line) or DATELINE.match(line):
        return False
    if _TRAILING_TIMESTAMP.search(prev):
        return False  # a headline's date and time line ends it: the article starts on the next line
    return True


def _is_speaker_name(prev: str, line: str) -> bool:
    """``line`` is the bare name of an interview speaker (史安民:) whose title is the line before."""
    return (
        _SPEAKER_NAME.fullmatch(line) is not None
        and len(prev) <= 30
        and not _ends_sentence(prev)
        and not prev.endswith((":", "："))
    )


def make_title(text: str, fallback: str) -> str:
    """The first line if it reads as a headline (with a following ``——`` subtitle), else the first sentence."""
    lines = text.split("\n")
    if not lines or not lines[0]:
        return fallback
    first = lines[0]
    if len(first) <= 40 and not first.endswith("。"):
        if len(lines) > 1 and lines[1].startswith("——") and len(lines[1]) <= 50:
            return f"{first}{lines[1]}"
        return first
    sentence = re.split(r"(?<=[。！？!?])", first, maxsplit=1)[0]
    return sentence if len(sentence) <= 40 else sentence[:40] + "…"


UPLOAD_TAG = "upload"  # source-root tag of files uploaded through the web chat or API


def doc_id_for(rel_path: str, root_tag: str | None = None) -> str:
    """Stable, unique id: the path relative to its source root, extension included (``a.txt`` ≠ ``a.html``).

    Path separators become ``/``; ``root_tag`` (``upload`` for uploads) is put in front as ``upload:a.txt``,
    so an uploaded file never shares an id with a file of an indexed folder.
    """
    rel = rel_path.replace("\\", "/").strip("/")
    if not rel:
        raise DocumentError("a document needs a file name")
    return f"{root_tag}:{rel}" if root_tag else rel


def load_document(
    path: Path,
    source: str | None = None,
    max_bytes: int | None = None,
    root_tag: str | None = None,
    source_root: str = "",
) -> Document:
    """Read, decode and clean one file.

    ``source`` is its path relative to ``source_root`` (default: the file name); the id is derived from both.

    Raises:
        DocumentError: unsupported type, unreadable, undecodable, or no text left after cleaning.
    """
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"{path}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})")
    raw, digest = read_text(path, max_bytes=max_bytes)
    html_title = None
    if path.suffix.lower() in (".html", ".htm"):
        raw, html_title = html_to_text(raw)
    text = clean_text(raw)
    if not text.strip():
        raise DocumentError(f"{path}: no article text left after cleaning (empty file?)")
    source = source or path.name
    return Document(
        id=doc_id_for(source, root_tag),
        source=source,
        source_root=source_root,
        format=path.suffix.lower().lstrip("."),
        title=html_title or make_title(text, fallback=path.stem),
        text=text,
        sha256=digest,
    )


def source_root_of(path: Path) -> str:
    """The recorded source root of a path given to ``rag index``: its absolute, resolved form."""
    return str(Path(path).expanduser().resolve())


def iter_corpus_files(paths: Iterable[Path]) -> list[tuple[Path, str, str]]:
    """Expand files and folders into ``(path, source, source root)``, sorted, following no symlinked folder twice.

    ``source`` is the name relative to the folder given (or the file name for a file given directly); the
    source root is that folder (or the file itself).

    Raises:
        DocumentError: a path does not exist, or two files would get the same document id.
    """
    found: dict[str, tuple[Path, str]] = {}

    def add(rel: str, full: Path, root: str) -> None:
        if rel in found and found[rel][0].resolve() != full.resolve():
            raise DocumentError(
                f"{found[rel][0]} and {full} would both be document {rel!r}; "
                "rename one, or index the two folders into separate indexes (--index-dir)"
            )
        found.setdefault(rel, (full, root))

    for root in paths:
        root = Path(root)
        if not root.exists():
            raise DocumentError(f"{root}: no such file or folder")
        if root.is_file():
            add(root.name, root, source_root_of(root))
            continue
        root_str = source_root_of(root)
        seen_dirs: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith(".") or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                    continue
                full = Path(dirpath) / name
                add(full.relative_to(root).as_posix(), full, root_str)
    return sorted(((p, s, r) for s, (p, r) in found.items()), key=lambda psr: psr[1])


def load_corpus(
    paths: Iterable[Path], max_bytes: int | None = None, strict: bool = False
) -> tuple[list[Document], list[str]]:
    """Load every supported file under ``paths``.

    Returns:
        The documents, and one warning per file that was skipped (unless ``strict``).

    Raises:
        DocumentError: a path is missing, or (with ``strict``) any file fails.
    """
    docs: list[Document] = []
    warnings: list[str] = []
    for path, source, root in iter_corpus_files(paths):
        try:
            doc = load_document(path, source=source, max_bytes=max_bytes, source_root=root)
        except DocumentError as exc:
            if strict:
                raise
            log.debug("skipped: %s", exc)  # the caller reports the warnings once
            warnings.append(str(exc))
            continue
        docs.append(doc)
    return docs, warnings
