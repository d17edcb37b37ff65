"""The benchmarks' shared results file (bench/results.json): each script's rows merged in under its own key."""

from __future__ import annotations

import json
from pathlib import Path


def merge_rows(path: Path, key: str, rows: list[dict], by: str) -> None:
    """Put ``rows`` under ``key`` in the JSON file ``path``, replacing only the rows with the same ``by`` value (a run
    of other sizes keeps the rows it did not measure), sorted by it."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    merged = {r[by]: r for r in data.get(key, [])}
    merged.update({r[by]: r for r in rows})
    data[key] = [merged[k] for k in sorted(merged)]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
