"""CMRC 2018 reading-comprehension data: loading, the team's train/dev split, the official-style metric.

The metric follows the CMRC 2018 evaluation script: mixed segmentation (each CJK character a token, a run
of Latin letters or digits one token, punctuation dropped), F1 from the longest common token substring,
EM on the punctuation-free text; both the maximum over the gold answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..squad import paragraph_split
from ..squad_metric import cmrc_em, cmrc_f1, mixed_segmentation

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "eval" / "cmrc2018" / "cmrc2018_trial.json"


@dataclass(frozen=True)
class Example:
    paragraph_id: str
    context: str
    qid: str
    question: str
    answers: tuple[str, ...]


# One split rule and one metric for the whole project: the fitting harness uses the official ones.
split_of = paragraph_split
tokens = mixed_segmentation
f1 = cmrc_f1
exact = cmrc_em


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
