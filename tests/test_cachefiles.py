import os
import time

from rag.cachefiles import STALE_DAYS, mark_used, prune


def test_old_versions_unused_for_a_month_are_pruned_and_a_used_one_is_kept(tmp_path):
    now = time.time()
    keep = tmp_path / "jieba-tags-0.42.1-3-300.sqlite"
    stale = tmp_path / "jieba-tags-0.42.1-1-100.sqlite"
    recent = tmp_path / "jieba-tags-0.42.1-2-200.sqlite"
    other_kind = tmp_path / "cedict-en-1-1-100.pickle"
    for path in (keep, stale, recent, other_kind):
        path.write_bytes(b"x")
    old = now - (STALE_DAYS + 1) * 86_400
    for path in (keep, stale, other_kind):
        os.utime(path, (old, old))
    os.utime(recent, (now - 86_400 * 3, now - 86_400 * 3))

    assert prune(keep, "jieba-tags-*.sqlite", now=now) == [stale]
    assert keep.exists() and recent.exists() and other_kind.exists() and not stale.exists()


def test_a_file_in_use_is_refreshed_at_most_once_a_day(tmp_path):
    now = time.time()
    path = tmp_path / "cedict-en-1-1-100.pickle"
    path.write_bytes(b"x")
    os.utime(path, (now - 40 * 86_400, now - 40 * 86_400))
    mark_used(path, now=now)
    assert abs(path.stat().st_mtime - now) < 1  # used: no longer stale
    os.utime(path, (now - 3600, now - 3600))
    mark_used(path, now=now)
    assert abs(path.stat().st_mtime - (now - 3600)) < 1  # used within the day: not written again
    assert prune(tmp_path / "other.pickle", "cedict-en-*.pickle", now=now) == []
    mark_used(tmp_path / "missing.pickle", now=now)  # no error for a file that is gone
