"""CMRC 2018 reading-comprehension data: loading, the team's train/dev split, the official-style metric.

The metric follows the CMRC 2018 evaluation script: mixed segmentation (each CJK character a token, a run
of Latin letters or digits one token, punctuation dropped), F1 from the longest common token substring,
EM on the punctuation-free text; both the maximum over the gold answers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = Path("/work/shared/data/cmrc2018/cmrc2018_trial.json")
_TOKEN = re.compile(r"[\u4e00-\u9fff]|[^\W\u4e00-\u9fff_]+")


@dataclass(frozen=True)
class Example:
    paragraph_id: str
    context: str
    qid: str
    question: str
    answers: tuple[str, ...]


def split_of(paragraph_id: str) -> str:
    """``dev`` for one paragraph in three (fixed by its SHA-1), else ``train``."""
    return "dev" if int(hashlib.sha1(paragraph_id.encode("utf-8")).hexdigest(), 16) % 3 == 0 else "train"


def load(path: Path = DEFAULT_PATH, split: str | None = None) -> list[Example]:
    """Questions of a SQuAD-format file, optionally only those of ``split`` (train | dev)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"CMRC file {path} not found: pass --data PATH to a SQuAD-format JSON file")
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for article in data["data"]:
        for para in article["paragraphs"]:
            if split and split_of(para["id"]) != split:
                continue
            for qa in para["qas"]:
                answers = tuple(a["text"] for a in qa["answers"] if a["text"].strip())
                if answers:
                    out.append(Example(para["id"], para["context"], qa["id"], qa["question"], answers))
    return out


def tokens(text: str) -> list[str]:
    """Mixed segmentation: CJK characters one by one, Latin/digit runs whole, punctuation dropped."""
    return _TOKEN.findall(text.lower())


def _longest_common_substring(a: list[str], b: list[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def f1(prediction: str, answers: tuple[str, ...] | list[str]) -> float:
    """CMRC F1: the best over ``answers`` of the F1 of the longest common token substring."""
    pred = tokens(prediction)
    best = 0.0
    for answer in answers:
        gold = tokens(answer)
        common = _longest_common_substring(gold, pred)
        if common:
            p, r = common / len(pred), common / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best


def exact(prediction: str, answers: tuple[str, ...] | list[str]) -> float:
    """CMRC EM: 1 when the prediction equals an answer once punctuation and spaces are dropped."""
    pred = "".join(tokens(prediction))
    return float(any(pred == "".join(tokens(a)) for a in answers))
