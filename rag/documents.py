"""Load articles (.txt, .md, .html, .pdf, .docx), strip page furniture, repair broken lines, keep offsets.

Each format has its loader in :mod:`rag.formats`; this module cleans what it read, and keeps a map from
every character of the cleaned text back to the file (offsets and lines, PDF pages, DOCX paragraphs).
"""

from __future__ import annotations

import bisect
import logging
import os
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from .errors import DocumentError
from .formats import LOADERS, TEXT_FORMATS, Extracted, line_starts
from .schema import Document

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = tuple(LOADERS)  # .txt .md .markdown .html .htm .pdf .docx

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
        r"^(©|\(c\)|copyright)",
        r"^[（(]?(责编|责任编辑|编辑|校对|审核|来源|原标题|图)[:：]",
        r"^来源[:：]",
        r"本文为.{0,40}(仅代表|不代表)",
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


# Page widgets and footer words found anywhere in a line; only a short line is furniture for them: a sentence of
# content may mention them (报名表请点击查看附件…, 本公司版权所有的教材…) and is kept whole
_SHORT_FURNITURE = re.compile(
    r"icp备|icp证|公网安备|网安备|许可证[:：]|增值电信业务|版权所有|向上滑动|向下滑动|点击查看|点击进入|阅读原文"
)
_SHORT_FURNITURE_MAX = 40  # footer and widget lines are short: the longest in the seed pages has 24 characters


def _is_furniture(line: str) -> bool:
    low = line.lower()
    if len(low.strip()) <= _SHORT_FURNITURE_MAX and _SHORT_FURNITURE.search(low):
        return True
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


@cache
def radical_table() -> dict[str, str]:
    """Kangxi radicals and CJK radical supplement characters → the unified ideograph they stand for.

    PDF generators often map glyphs to these code points (⽩ U+2F69 for 白, ⺠ U+2EA0 for 民), so the text
    layer looks right and matches nothing. NFKC maps the Kangxi block; the supplement comes from Unicode's
    EquivalentUnifiedIdeograph.txt (``rag/resources/zh/radical_supplement.txt``).
    """
    table = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0x2F00, 0x2FE0)}
    table = {k: v for k, v in table.items() if v != k}
    data = resources.files("rag").joinpath("resources/zh/radical_supplement.txt").read_text(encoding="utf-8")
    for line in data.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        codes, target = (part.strip() for part in line.split(";"))
        first, _, last = codes.partition("..")
        for c in range(int(first, 16), int(last or first, 16) + 1):
            table[chr(c)] = chr(int(target, 16))
    return table


_SPACES = "\u00a0\u3000\t"  # no-break and ideographic spaces and tabs count as spaces


def _line_chars(raw: str, a: int, b: int) -> tuple[str, list[int]]:
    """``raw[a:b]`` as one cleaned line (radicals mapped, spaces collapsed, stripped) and its offsets."""
    radicals = radical_table()
    chars: list[str] = []
    origin: list[int] = []
    for k in range(a, b):
        ch = raw[k]
        if ch == "\ufeff":
            continue
        ch = " " if ch in _SPACES else radicals.get(ch, ch)
        if ch == " " and chars and chars[-1] == " ":
            continue
        chars.append(ch)
        origin.append(k)
    i, j = 0, len(chars)
    while i < j and chars[i].isspace():
        i += 1
    while j > i and chars[j - 1].isspace():
        j -= 1
    return "".join(chars[i:j]), origin[i:j]


def clean_text(raw: str) -> str:
    """Cleaned article text: furniture and image captions dropped, layout line breaks repaired.

    Every non-empty line of the result is one paragraph (or heading), separated by ``\\n``.
    """
    return clean_text_mapped(raw)[0]


def clean_text_mapped(raw: str, join_lines: bool = True) -> tuple[str, list[int]]:
    """:func:`clean_text` that also returns, for each character of the result, its offset in ``raw``.

    A character the cleaner inserted (the line break between kept lines, the space after a speaker's
    title) takes the offset just after the character before it. ``join_lines=False`` keeps every line
    (formats whose line breaks are real paragraph breaks: Markdown, Word).
    """
    # (line, its offsets in raw, blank lines before it)
    lines: list[tuple[str, list[int], int]] = []
    blanks = 99  # document start counts as a wide gap
    pos = 0
    for m in [*re.finditer(r"\r\n|\r|\n", raw), None]:
        end = m.start() if m else len(raw)
        line, origin = _line_chars(raw, pos, end)
        pos = m.end() if m else len(raw)
        if not line:
            blanks += 1
            continue
        lines.append((line, origin, blanks))
        blanks = 0
    gaps_after = [lines[i + 1][2] for i in range(len(lines) - 1)] + [99]

    kept: list[tuple[str, list[int]]] = []
    prev_caption = False
    for i, (line, origin, before) in enumerate(lines):
        if _is_furniture(line):
            continue
        # Image captions: short non-sentences standing alone between wide gaps (or chained after one).
        short = len(line) <= 40 and not _ends_sentence(line) and not BYLINE.match(line)
        isolated = before >= 2 and (gaps_after[i] >= 2 or prev_caption)
        if short and isolated:
            prev_caption = True
            continue
        prev_caption = False
        kept.append((line, origin))

    out: list[tuple[str, list[int]]] = []
    for line, origin in kept:
        if out and join_lines and _is_layout_break(out[-1][0], line):
            out[-1] = (out[-1][0] + line, out[-1][1] + origin)
        elif out and join_lines and _is_speaker_name(out[-1][0], line):
            # 何村党支部书记 / 史安民: → 何村党支部书记 史安民:
            out[-1] = (out[-1][0] + " " + line, [*out[-1][1], out[-1][1][-1] + 1, *origin])
        else:
            out.append((line, origin))
    text_origin: list[int] = []
    for k, (_, origin) in enumerate(out):
        if k:
            text_origin.append(text_origin[-1] + 1)
        text_origin.extend(origin)
    return "\n".join(line for line, _ in out), text_origin


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
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(f"{path}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})")
    extracted = loader(path, max_bytes)
    text, origin = clean_text_mapped(extracted.raw, join_lines=extracted.join_lines)
    if not text.strip():
        raise DocumentError(f"{path}: no article text left after cleaning (empty file?)")
    source = source or path.name
    fmt = path.suffix.lower().lstrip(".")
    return Document(
        id=doc_id_for(source, root_tag),
        source=source,
        source_root=source_root,
        format=fmt,
        title=extracted.title or make_title(text, fallback=path.stem),
        text=text,
        sha256=extracted.sha256,
        **locations(extracted, origin, fmt),
    )


def locations(extracted: Extracted, origin: list[int], fmt: str) -> dict:
    """The Document fields that say where the cleaned text is in its file.

    ``origin[i]`` is the offset in ``extracted.raw`` of cleaned character ``i`` (strictly increasing).
    """
    out: dict = {}
    for kind, marks in extracted.marks.items():
        at: dict[int, int] = {}
        for raw_offset, number in sorted(marks):
            i = bisect.bisect_left(origin, raw_offset)
            if i < len(origin):
                at[i] = number  # a page left empty by cleaning gives way to the next one
        out[{"page": "pages", "paragraph": "paragraphs"}[kind]] = sorted(at.items())
    out["headings"] = [
        i for r in extracted.headings if (i := bisect.bisect_left(origin, r)) < len(origin) and origin[i] == r
    ]
    if extracted.file_text is not None and fmt in TEXT_FORMATS:
        file_origin = origin if extracted.origin is None else [extracted.origin[r] for r in origin]
        out["file_map"] = offset_runs(file_origin)
        out["file_lines"] = line_starts(extracted.file_text)
    return out


def offset_runs(origin: list[int]) -> list[tuple[int, int, int]]:
    """Run-length form of a per-character offset map: ``(start, origin start, length)`` for each run of
    characters whose origins go up by one."""
    runs: list[tuple[int, int, int]] = []
    for i, o in enumerate(origin):
        if runs and runs[-1][1] + runs[-1][2] == o and runs[-1][0] + runs[-1][2] == i:
            runs[-1] = (runs[-1][0], runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((i, o, 1))
    return runs


def source_root_of(path: Path) -> str:
    """The recorded source root of a path given to ``rag index``: its absolute, resolved form."""
    return str(Path(path).expanduser().resolve())


def iter_corpus_files(paths: Iterable[Path], as_paths: bool = True) -> list[tuple[Path, str, str]]:
    """Expand files and folders into ``(path, source, source root)``, sorted, following no symlinked folder twice.

    ``source`` is the name relative to the folder given (or the file name for a file given directly); the
    source root is that folder (or the file itself). With ``as_paths=False`` the paths are plain strings (a no-op
    check at 100,000 files spent most of its walk making Path objects).

    Raises:
        DocumentError: a path does not exist, or two files would get the same document id.
    """
    found: dict[str, tuple[Path | str, str]] = {}

    def add(rel: str, full: Path | str, root: str) -> None:
        if rel in found and Path(found[rel][0]).resolve() != Path(full).resolve():
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
        # plain strings per file (pathlib's parsing was most of a no-op's walk at 10,000 files)
        for dirpath, dirnames, filenames in os.walk(os.fspath(root), followlinks=True):
            st = os.stat(dirpath)
            if (st.st_dev, st.st_ino) in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = os.path.relpath(dirpath, root)
            prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            for name in filenames:  # (sorted by source at the end)
                if name.startswith(".") or os.path.splitext(name)[1].lower() not in SUPPORTED_SUFFIXES:
                    continue
                rel = prefix + name
                if rel in found:
                    add(rel, os.path.join(dirpath, name), root_str)  # another root's file of that name
                else:
                    found[rel] = (os.path.join(dirpath, name), root_str)
    if not as_paths:
        return sorted(((os.fspath(p), s, r) for s, (p, r) in found.items()), key=lambda psr: psr[1])
    return sorted(((Path(p), s, r) for s, (p, r) in found.items()), key=lambda psr: psr[1])


# Bumped whenever cleaning or loading changes what a file's Document holds: an index cleaned by other rules reads
# every file again instead of trusting the files' sizes and times (see load_corpus's ``known``).
CLEANING_VERSION = 2  # 2: no space beside a Chinese character inside a table cell (Markdown, HTML, Word)
# A file modified less than this many seconds before it is read may change again within the file system's
# time resolution without its time changing: its size and time are not recorded, so it is read again next time.
RACY_SECONDS = 2.0


def file_stamp(path: Path | str, now: float | None = None) -> tuple[int, int | None]:
    """``(size, mtime_ns)`` of ``path``; the time is None when the file was modified too recently to trust
    (``RACY_SECONDS`` before ``now``, default: the time of the call)."""
    st = os.stat(path)
    recent = (time.time() if now is None else now) - st.st_mtime_ns / 1e9 < RACY_SECONDS
    return st.st_size, None if recent else st.st_mtime_ns


class Recorded(NamedTuple):
    """What an index recorded of one file: its document's id and the file's size and time when it was read."""

    doc_id: str
    size: int
    mtime_ns: int


def load_corpus(
    paths: Iterable[Path],
    max_bytes: int | None = None,
    strict: bool = False,
    known: Mapping[tuple[str, str], Document | Recorded] | None = None,
    unchanged: list[str] | None = None,
) -> tuple[list[Document], list[str]]:
    """Load every supported file under ``paths``.

    ``known`` maps ``(source_root, source)`` to the document an index already holds for that file, or to what
    it recorded of it (:class:`Recorded`): when the file's size and modification time are still the ones
    recorded, the file is not read (a no-op update of a large corpus costs a ``stat`` per file, not reading and
    cleaning it). A known document is then returned as it is; a recorded one's id is appended to ``unchanged``
    instead (an update keeps that document as the index holds it, without reading its text).

    Returns:
        The documents, and one warning per file that was skipped (unless ``strict``).

    Raises:
        DocumentError: a path is missing, or (with ``strict``) any file fails.
    """
    docs: list[Document] = []
    warnings: list[str] = []
    known = known or {}
    for path, source, root in iter_corpus_files(paths):
        try:
            size, mtime_ns = file_stamp(path)
        except OSError:
            size = mtime_ns = None  # load_document reports the file
        before = known.get((root, source))
        if isinstance(before, Recorded):
            if mtime_ns is not None and (before.size, before.mtime_ns) == (size, mtime_ns) and unchanged is not None:
                unchanged.append(before.doc_id)
                continue
        elif (
            before is not None and mtime_ns is not None and (before.file_size, before.file_mtime_ns) == (size, mtime_ns)
        ):
            docs.append(before)
            continue
        try:
            doc = load_document(path, source=source, max_bytes=max_bytes, source_root=root)
            doc = doc.model_copy(update={"file_size": size, "file_mtime_ns": mtime_ns})
        except DocumentError as exc:
            if strict:
                raise
            log.debug("skipped: %s", exc)  # the caller reports the warnings once
            warnings.append(str(exc))
            continue
        docs.append(doc)
    return docs, warnings
