"""The library's error messages as a Chinese user of the web chat, the HTTP API or ``rag chat`` should read them.

The library raises English messages that name files by their full path (right for ``rag index`` on one's own
machine). A web user uploaded ``报告.pdf``: they must neither read English nor learn the server's temporary
folder. :func:`zh_error` turns a :class:`~rag.errors.RagError` into one Chinese sentence that names the file
only by its name.
"""

from __future__ import annotations

import os
import re

from .errors import EmbedderMismatch, EmbedderUnavailable, IndexCorrupt, IndexNotFound, InvalidQuestion, RagError

SUPPORTED = ".txt / .md / .html / .pdf / .docx"

# An absolute path (POSIX or Windows) up to the ": " that ends it in the library's messages.
_PATH = re.compile(r"(?:[A-Za-z]:\\|/)[^\s:;,'\"()]*(?:[ ][^\s:;,'\"()/]+)*")

# (pattern on the English message, Chinese text; {name} is the file, {n}/{limit} the numbers caught)
_DOCUMENT = [
    (r"unsupported file type", "不支持的文件类型（支持 " + SUPPORTED + "）"),
    (r"looks like a binary file", "看起来是二进制文件，不是文本"),
    (r"cannot decode", "无法识别文件编码（不是 UTF-8、GB18030/GBK 或其他可识别的编码）"),
    (r"no article text left", "清理后没有正文（空文件？）"),
    (r"password-protected", "PDF 有密码保护，请另存一份没有密码的副本"),
    (r"no text layer", "PDF 没有文字层（扫描件？），请先做文字识别（OCR）"),
    (r"not a readable PDF", "不是可读取的 PDF 文件，请重新保存或导出"),
    (r"not a readable Word", "不是可读取的 Word .docx 文件，请另存为 .docx（Word 2007 及以后）"),
    (r"(?P<size>[\d.]+) MB is over the (?P<limit>[\d.]+) MB limit", "文件 {size} MB，超过 {limit} MB 的上限"),
    (r"larger than the (?P<limit>[\d.]+) MB limit", "文件超过 {limit} MB 的上限"),
    (r"cannot read file", "无法读取文件"),
    (r"no usable characters", "文件名里没有可用的字符，请改名后再上传"),
    (r"would both be", "两个文件会得到同一个文档 ID，请给其中一个改名"),
    (r"same name", "有两个文件同名，请改名后再上传"),
    (r"no such file or folder", "文件不存在"),
]


class ZhError(RagError):
    """An error whose message is already written for the user, in Chinese."""


def strip_paths(message: str) -> str:
    """``message`` with every absolute path replaced by its last part (the file name)."""
    return _PATH.sub(lambda m: re.split(r"[\\/]", m.group(0).rstrip("/\\"))[-1] or m.group(0), message)


def question_error(message: str) -> str:
    """Chinese for an :class:`InvalidQuestion` message."""
    if m := re.search(r"is (\d+) characters long; keep it under (\d+)", message):
        return f"问题太长（{m.group(1)} 字），请控制在 {m.group(2)} 字以内。"
    if "empty" in message:
        return "问题是空的，请输入问题，例如：碑林区帮扶了多少个村。"
    if "no words" in message:
        return "问题里没有文字（只有符号或表情），请用文字提问。"
    return "问题需要是文字。"


def zh_error(exc: BaseException | str, name: str | None = None) -> str:
    """One Chinese sentence for ``exc``, naming the file by ``name`` (else by its file name), never a path."""
    message = str(exc)
    if isinstance(exc, ZhError):
        return message
    if isinstance(exc, InvalidQuestion):
        return question_error(message)
    if isinstance(exc, IndexNotFound | IndexCorrupt | EmbedderMismatch):
        return "索引无法使用（缺失、损坏或由别的嵌入模型建立），请管理员重建索引（rag index --rebuild）。"
    if "writing the index" in message:  # IndexLocked
        return "另一个进程正在更新索引，请稍后再试。"
    for pattern, text in _DOCUMENT:
        m = re.search(pattern, message)
        if m:
            if name is None and ": " in message:  # the library's messages start with the file's path
                head = message.split(": ", 1)[0]
                name = re.split(r"[\\/]", head)[-1] if re.search(r"[\\/]|\.\w+$", head) else None
            sentence = text.format(**m.groupdict())
            return f"{name}：{sentence}。" if name else f"{sentence}。"
    if isinstance(exc, RagError | OSError):
        return f"处理失败：{strip_paths(message)}"
    return "处理失败，请稍后再试。"


def cli_zh_error(exc: BaseException) -> str:
    """The message a Chinese user of the command line reads: one Chinese sentence, then the library's own message
    (on the user's machine its paths and the command to run are what they need, so nothing is hidden)."""
    message = str(exc)
    if isinstance(exc, ZhError | InvalidQuestion):
        return zh_error(exc)
    if isinstance(exc, IndexNotFound):
        head = "找不到索引，请先建索引（rag index 文档文件夹）。"
    elif isinstance(exc, IndexCorrupt):
        head = "索引已损坏或版本不符，请重建（rag index --rebuild）。"
    elif isinstance(exc, EmbedderMismatch):
        head = "索引是用另一个嵌入模型建立的，请换用那个模型，或重建索引。"
    elif isinstance(exc, EmbedderUnavailable):
        head = "嵌入模型无法使用。"
    elif "writing the index" in message:  # IndexLocked
        head = "另一个进程正在更新索引，请稍后再试。"
    elif any(re.search(pattern, message) for pattern, _ in _DOCUMENT):
        head = zh_error(exc)
    else:
        head = "处理失败。"
    return f"{head}\n  {message}"


def prefers_chinese(text: str | None = None) -> bool:
    """The command-line user reads Chinese: ``text`` (their question) has Chinese characters, or, when it has
    neither Chinese nor Latin letters (or there is none), the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, the
    first one set) says ``zh``."""
    if text is not None and re.search(r"[\u3400-\u9fff]", text):
        return True
    if text is not None and re.search(r"[A-Za-z]", text):
        return False
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return value.lower().startswith("zh")
    return False
