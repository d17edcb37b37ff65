"""One writer per index: an exclusive, non-blocking file lock beside the index folder."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import RagError


class IndexLocked(RagError):
    """Another process is writing this index."""


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """Hold ``<index_dir>.lock`` for the duration of a write; a second writer is refused, not queued.

    The lock is released by the kernel when the process dies, so a killed build never leaves a
    stale lock behind.

    Raises:
        IndexLocked: another process holds the lock.
    """
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    path = index_dir.parent / f"{index_dir.name}.lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise IndexLocked(
                f"another process (pid {holder}) is writing the index in {index_dir}; wait for it to finish"
            ) from None
        # The previous holder removes the file when it is done: locked a file no longer at ``path``? Retry.
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        # Remove the lock file while still holding the lock, so no stray .lock is left beside the index.
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        os.close(fd)
