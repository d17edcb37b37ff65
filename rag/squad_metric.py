"""The official CMRC 2018 metric: EM and F1 over mixed segmentation (Cui et al., 2019).

Re-implemented from the definition of ``cmrc2018_evaluate.py`` (ymcui/cmrc2018, v5), with its quirks:

- text is lower-cased and stripped; each character of U+4E00–U+9FA5 is one token;
- the punctuation set is the script's own (:data:`CMRC_PUNCTUATION`): 11 ASCII symbols and 22 Chinese
  marks. Other ASCII punctuation (``, . ( ) % "``) is *not* removed: it stays in EM strings and becomes
  tokens of its own. Its entry ``……`` is two characters and never equals one, so a lone ``…`` stays too;
- removed punctuation does not end a run of non-CJK characters (``3-4`` is one token ``34``);
- runs of other characters are word-tokenised. The script uses ``nltk.word_tokenize``; we use a regex
  word tokeniser (:data:`_WORDS`: word runs with inner ``. , '`` kept, as nltk keeps ``3.5`` and
  ``1,000``; any other non-space symbol one token). It differs from nltk only on clitics (``don't``)
  and sentence-final periods, which CMRC answers do not contain in practice;
- F1 comes from the longest common *contiguous* run of tokens; both scores take the best gold answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# The `sp_char` list of cmrc2018_evaluate.py, in its order ("……" included as the script has it).
CMRC_PUNCTUATION = frozenset(
    (
        *("-", ":", "_", "*", "^", "/", "\\", "~", "`", "+", "="),
        *("，", "。", "：", "？", "！", "“", "”", "；", "’", "《", "》", "……", "·", "、"),
        *("「", "」", "（", "）", "－", "～", "『", "』"),
    )
)
_CJK = re.compile(r"[\u4e00-\u9fa5]")  # the script's range: CJK Unified Ideographs without the 2005+ additions
_WORDS = re.compile(r"\w+(?:[.,'’]\w+)*|[^\w\s]")


def remove_punctuation(text: str) -> str:
    """Lower-cased, stripped ``text`` without the characters of :data:`CMRC_PUNCTUATION`."""
    return "".join(ch for ch in text.lower().strip() if ch not in CMRC_PUNCTUATION)


def mixed_segmentation(text: str, remove_punct: bool = True) -> list[str]:
    """CMRC tokens of ``text``: one per CJK character, words for the runs in between."""
    tokens: list[str] = []
    run = ""
    for ch in text.lower().strip():
        if remove_punct and ch in CMRC_PUNCTUATION:
            continue  # skipped without ending the current run, as in the official script
        if _CJK.match(ch) or ch in CMRC_PUNCTUATION:
            tokens.extend(_WORDS.findall(run))
            run = ""
            tokens.append(ch)
        else:
            run += ch
    tokens.extend(_WORDS.findall(run))
    return tokens


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common contiguous run of two token lists."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        row = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                row[j + 1] = prev[j] + 1
                best = max(best, row[j + 1])
        prev = row
    return best


def cmrc_f1(prediction: str, golds: Sequence[str]) -> float:
    """Best F1 (0–1) of ``prediction`` over ``golds``: precision lcs/len(pred), recall lcs/len(gold)."""
    pred = mixed_segmentation(prediction)
    best = 0.0
    for gold in golds:
        ref = mixed_segmentation(gold)
        lcs = longest_common_run(ref, pred)
        if lcs:
            p, r = lcs / len(pred), lcs / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def cmrc_em(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when ``prediction`` equals a gold answer once :func:`remove_punctuation` is applied to both."""
    pred = remove_punctuation(prediction)
    return float(any(remove_punctuation(g) == pred for g in golds))


def score(prediction: str | None, golds: Sequence[str]) -> tuple[float, float]:
    """``(EM, F1)``, each 0–1, of one answer; ``None`` (a refusal) scores 0 on both."""
    if prediction is None:
        return 0.0, 0.0
    return cmrc_em(prediction, golds), cmrc_f1(prediction, golds)
