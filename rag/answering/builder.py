"""The builder: one proposal from the extractors, judged by the fitted confidence, answered or refused."""

from __future__ import annotations

import functools
import re
from functools import lru_cache

from ..chunking import split_sentences
from ..index import Index
from ..normalize import to_matching
from ..question import Question
from ..schema import Answer, Hit, Quote
from ..spans import find_quantities, find_times, same_unit
from ..textutil import posseg, resource_groups
from .core import (
    LIST_ANNOUNCING_TYPES,
    NOT_FOUND,
    Candidate,
    SpanChoice,
    _asked_nouns,
    _clause_bounds,
    _mentions_year,
    _term_weights,
    collect_candidates,
    heads_a_list,
    names_column,
    repair_terms,
    term_positions,
)
from .extractors import (
    _EXTRACTORS,
    _SLOT_FIRST_TYPES,
    _STRICT_TYPES,
    _clause_span,
    _definition,
    _role_of,
    _slot_span,
    full_name,
)
from .lists import announced_items, inline_items
from .quoting import (
    _display,
    _quote_for,
)
from .tables import (
    distinct_share,
    header_line,
    label_share,
    labels,
    named_cell,
    row_figures,
    row_label,
    row_rest,
    table_row,
)
from .verdicts import refusal_verdict


def _named_anywhere(index: Index, fragment: str, test=None) -> bool:
    """Some document of ``index`` holds ``fragment`` (and passes ``test``): a document store scans its text in SQL,
    never building a document; documents held in memory are scanned here."""
    documents = index.documents
    scan = getattr(documents, "any_text", None)
    if scan is not None:
        return scan(fragment, test)
    return any(fragment in d.text and (test is None or test(d.text)) for d in documents.values())


def build_answer(question: Question, original: str, hits: list[Hit], index: Index, threshold: float) -> Answer:
    """Answer ``question`` from ``hits`` or abstain; quotes are verified slices of their documents."""
    question = repair_terms(question, [index.document(d).text for d in dict.fromkeys(h.chunk.doc_id for h in hits)])
    explanation: dict = {"question": question.explain()}
    missing = [p for p in question.places if not _named_anywhere(index, p)]
    missing += [
        y for y in question.years if not _named_anywhere(index, y[:-1], lambda text, y=y: _mentions_year(y, text))
    ]
    weights = _term_weights(question, index)
    candidates = collect_candidates(question, hits, index, weights) if hits else []
    related = _related(candidates)
    if missing:
        explanation["abstain_reason"] = f"not in any document: {', '.join(missing)}"
        return _abstain(
            original, question, hits, related, explanation, f"{NOT_FOUND}关于“{'、'.join(missing)}”的内容。"
        )
    if not candidates:
        explanation["abstain_reason"] = "no passage retrieved"
        return _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}相关内容。")

    top = candidates[:_SENTENCES_READ]
    # every proposal is judged the same way: what differs is the span, how it was found and its evidence
    decide = functools.partial(
        _decide,
        original,
        question,
        top=top,
        hits=hits,
        related=related,
        explanation=explanation,
        threshold=threshold,
        index=index,
        weights=weights,
    )
    if question.qtype in ("fact", "list") and (found := _definition(question, top)):
        cand, (d_start, d_end), (a_start, a_end) = found
        explanation.update({"definition": True})
        best = SpanChoice(cand, a_start - cand.span.start, a_end - cand.span.start, cand.score, False, "")
        best.display, best.local, best.agree = cand.doc.text[a_start:a_end], cand.content_coverage, 1.0
        return decide(best, "definition", quote=(d_start, d_end))
    if question.qtype in _CELL_TYPES + _ROW_TYPES and (cell := _best_named_cell(question, top)):
        # a table's row and column both named: the cell where they meet is the answer, a typed span
        return decide(cell, "typed")
    leaders = [c for c in top if c.score >= top[0].score] if question.qtype == "list" else []
    if headed := next(((c, items) for c in leaders if (items := heads_a_list(c.doc, c.span))), None):
        # 哪些材料 and the best sentence (or one tied with it) is a heading over a list (报名时请携带以下材料 over
        # its items): the items, not an enumeration of some weaker sentence
        lead, items = headed
        text = lead.doc.text
        explanation["announced_list"] = True
        best = _clause_span(question, lead)
        return decide(best, "clause", display=text[items[0] : items[1]], quote=(lead.span.start, items[1]))
    extractor = _EXTRACTORS.get(question.qtype)
    slot_probability = 0.0
    choices: list[SpanChoice] = []
    if extractor:
        for cand in top:
            choices.extend(extractor(question, cand, weights))
    if question.qtype not in _STRICT_TYPES and not any(c.candidate.score >= top[0].score for c in choices):
        # a list, cause or manner asked and the best sentence (or one tied with it) states none: its own slot
        # answers, not a weaker
        # sentence's list or cause word (training data: new-user train…train4 right proposals 239 → 242, CMRC train
        # F1 49.3 → 51.4; keeping weaker sentences at half the best one's score or more gave 244 / 50.5) — unless
        # the list is of the very kind asked (马召镇、厚畛子镇 for 哪两个镇: items named by the asked noun)
        choices = [c for c in choices if question.qtype == "list" and question.asked_suffix and c.agree >= 1.0]
    typed = [c for c in choices if c.typed and not c.conflict]
    typed = _without_unsuffixed_places(question, choices, typed)
    rivals: tuple[int, float] = (0, 0.0)
    slot_first = None
    if (
        typed
        and question.qtype in _SLOT_FIRST_TYPES
        and not any(c.candidate.score >= top[0].score for c in typed)
        and not _named_after_the_asked_role(question, typed)
    ):
        # 谁 asked, but the sentence that best answers (nor one tied with it: in a one-chunk collection every
        # sentence may score alike) names no person (君主, 加拿大总督, an organisation): the
        # question's own slot in it (aligned with the question's words) is a better guess than a name from a
        # weaker sentence
        slot_first = _slot_span(question, top[:1], weights, aligned=True)
    if slot_first:
        (best, slot_probability), path = slot_first, "strict_slot"
    elif typed:
        # retrieval-led score, tempered by how well the span's own evidence answers the question
        best, path = max(typed, key=_typed_rank), "typed"
        rivals = typed_rivals(best, typed)
    elif question.qtype in _STRICT_TYPES:
        # a typed extractor that found nothing is evidence too: only a span in the question's own slot overrides it
        slot = _slot_span(question, top, weights, aligned=True)
        if slot is None:
            # no span of the expected type near the question's terms: the documents do not say
            explanation["abstain_reason"] = f"no {question.qtype} span in the retrieved passages"
            explanation["sentence"] = top[0].text
            return _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}能回答这个问题的内容。")
        (best, slot_probability), path = slot, "strict_slot"
    elif choices:
        best, path = max(choices, key=lambda c: c.score), "untyped"
    elif slot := _slot_span(question, top, weights):
        (best, slot_probability), path = slot, "slot"
        # it replaces the whole-sentence answer: judged by the same evidence (sentence coverage, agreement)
        best.local, best.agree = best.candidate.coverage, 1.0
    else:
        best, path = _clause_span(question, top[0]), "clause"
    if slot_probability:
        explanation["slot_probability"] = round(slot_probability, 4)
    cand = best.candidate
    items = None
    if question.qtype in _ANNOUNCING_TYPES:
        # a sentence that announces a list (需提交以下材料：) answers with the items on the lines below it
        text, headings = cand.doc.text, cand.doc.headings
        items = announced_items(text, cand.span.start + best.end, headings)
        if items is None:
            items = heads_a_list(cand.doc, cand.span)  # a heading over a list (no colon)
        if items is None:
            # the items on the announcing sentence's own line, parted by semicolons (以下情况不予赔偿：A；B；C。)
            items = inline_items(text, cand.span.start + best.end, cand.span.start + best.start)
        if items is not None:
            explanation["announced_list"] = True
    explanation.update(
        {
            "matched_terms": cand.matched,
            "term_weights": {k: round(v, 3) for k, v in weights.items()},
            "sentence_score": round(cand.score, 4),
            "span_score": round(best.score, 4),
            "candidates": [
                {"doc_id": c.doc.id, "start": c.span.start, "score": round(c.score, 4), "text": c.text[:_EXPLAIN_CHARS]}
                for c in candidates[:_EXPLAIN_SENTENCES]
            ],
        }
    )
    if items is not None:
        return decide(
            best,
            path,
            slot_probability=slot_probability,
            rivals=rivals,
            display=cand.doc.text[items[0] : items[1]],
            quote=(cand.span.start, items[1]),
        )
    return decide(best, path, slot_probability=slot_probability, rivals=rivals)


# question types whose answer may be the list a sentence announces (哪些材料, 带啥东西, 怎么申请)
_ANNOUNCING_TYPES = LIST_ANNOUNCING_TYPES


# question types a table cell answers by its row and column (a course, a teacher's name in a timetable, a price in
# a price list); a figure's cell must hold a digit (other figures are read by the number extractor, which knows
# the column too)
# number: only a whole row asked (below), its cells are the extractor's; date, place, code: a row named and the
# column of the asked kind (软食餐什么时候有 → the 供应时间 cell)
# yesno: a row and a column named (羽绒服补洞能加急吗 → the 加急 cell, 不接急单): a cell of words holds the verdict
_CELL_TYPES = ("fact", "person", "number", "date", "place", "code", "yesno")
# what (是什么毛病) or how (怎么办) asked of a row the question names by its label and no column: the row's cells
_ROW_TYPES = ("fact", "how")
_NAME_TYPES = ("fact", "person")  # answers that may be a person called by surname and title (陈老师)


# what may follow a figure in its cell: the period or thing it is per (380元/月, 70元/台, 50元每次)
_PER = re.compile(r"(?:/|每)[\u4e00-\u9fff]{1,2}")


def _is_figure(question: Question, cell: str) -> bool:
    """A table cell that is one figure of the asked kind (220元 or 380元/月 for 多少钱; 2000元 is no answer to
    多久), or a bare number; a question that names no kind takes bare numbers only (a row of 25元 and 30天 mixes
    two things)."""
    cell = cell.strip()
    found = find_quantities(cell)
    if len(found) != 1 or found[0].start != 0 or not (found[0].end == len(cell) or _PER.fullmatch(cell, found[0].end)):
        return False
    kind = found[0].kind
    return kind is None if not question.unit_kind else kind in (None, question.unit_kind)


def _cells_spanned(best: SpanChoice) -> int:
    """How many cells of a table row the span ``best`` overlaps (0 outside a table)."""
    cand = best.candidate
    start, end = cand.span.start + best.start, cand.span.start + best.end
    row = table_row(cand.doc.text, start)
    return 0 if row is None else sum(1 for a, b in row.cells if a < end and start < b)


def _header_of(best: SpanChoice) -> tuple[int, int] | None:
    """The header line of the table row ``best`` was read from (not the row itself), or None."""
    cand = best.candidate
    header = header_line(cand.doc.text, cand.span.start + best.start)
    if header is None or header[0] <= cand.span.start < header[1]:
        return None
    return header


def _best_named_cell(question: Question, top: list[Candidate]) -> SpanChoice | None:
    """Of the cells the question names by row and column in the sentences read, the one in the row whose label it
    writes most of (小轿车洗一次多少钱: 普通外观洗车 before 发动机舱清洗, both holding 洗); the better sentence first
    among equals."""
    cells = [(i, cell) for i, c in enumerate(top) if (cell := _named_cell(question, c))]
    if not cells:
        return None

    def named(item: tuple[int, SpanChoice]) -> tuple[float, float, int]:
        i, cell = item
        text, pos = cell.candidate.doc.text, cell.candidate.span.start
        label = row_label(text, pos) or ""
        return (distinct_share(label, labels(text, pos), question.text), label_share(label, question.text), -i)

    return max(cells, key=named)[1]


def _named_cell(question: Question, cand: Candidate) -> SpanChoice | None:
    """The cell of ``cand``'s table row under the column the question names, when the question names the row's
    label as well (晚上7点 for 19:00): a typed span that fully agrees."""
    text = cand.doc.text

    def row_named(label: str) -> bool:
        return any(term_positions(t, label) for t in question.terms)

    names = names_column(question.text, question.qtype)
    if question.qtype == "number":
        # a figure of a named row and column is the number extractor's, weighed with its sentence; here only the
        # row asked without any of its figure columns: its figures, with the header that tells them apart
        cell = row_figures(text, cand.span.start, question.text, lambda cell: _is_figure(question, cell), names)
    elif question.qtype == "how":
        # 怎么算 / 怎么办 of a named row: the whole rest of the row (a price and its concessions, a fault and its fix)
        cell = row_rest(text, cand.span.start, question.text, names, whole=True)
    else:
        cell = named_cell(text, cand.span.start, question.text, row_named, names)
        if cell is None and question.qtype in _ROW_TYPES:
            cell = row_rest(text, cand.span.start, question.text, names)
    if cell is None or not (cand.span.start <= cell[0] and cell[1] <= cand.span.end):
        return None
    if question.qtype == "yesno" and any(c.isdigit() for c in text[cell[0] : cell[1]]):
        return None  # 能少交点吗 and the cell found is a figure (2000元/户): a verdict is words (不接急单, 免费)
    if question.qtype == "date" and not _holds_a_date(question, text[cell[0] : cell[1]]):
        return None  # 几点开 and the column found is 航行时间 (约35分钟): a duration is no clock time
    a, b = cell[0] - cand.span.start, cell[1] - cand.span.start
    choice = SpanChoice(cand, a, b, cand.score, True, cand.text[a:b])
    choice.local, choice.agree = cand.content_coverage, 1.0
    return choice


def _holds_a_date(question: Question, cell: str) -> bool:
    """A cell that may answer a date question: one holding a clock time where one is asked (几点); any cell of the
    column otherwise (什么时候 is answered by 午餐、晚餐 under 供应时间 too)."""
    return question.unit_kind != "time" or bool(find_times(cell))


def _named_after_the_asked_role(question: Question, typed: list[SpanChoice]) -> bool:
    """谁 asked with a role (现任校长是谁) and a name found right after that role (现任校长为阮爱馨女士): the
    person is named, whatever the best sentence says about something else (公理高中书院是属于…)."""
    return question.qtype == "person" and _role_of(question)[0] is not None and any(c.agree >= 1.0 for c in typed)


def _without_unsuffixed_places(
    question: Question, choices: list[SpanChoice], typed: list[SpanChoice]
) -> list[SpanChoice]:
    """哪家酒店: when the passages write names ending in 酒店 (even in a passage ruled out, 漓苑大酒店 of another
    day), a place that does not end in it (龙河) is not of the asked kind. Where they write none (哪所学校 over
    a text naming only 复兴中学), every place stays."""
    suffix = question.asked_suffix
    if question.qtype != "place" or not suffix:
        return typed
    nouns = _asked_nouns(suffix)
    if not any(c.candidate.text[c.start : c.end].endswith(nouns) for c in choices):
        return typed
    return [c for c in typed if c.candidate.text[c.start : c.end].endswith(nouns)]


# The sentences the extractors read, best first: about the five chunks' worth the retriever returns (a chunk holds
# a handful of sentences); a sentence further down has never held a right answer the ones above it lacked
_SENTENCES_READ = 25
_EXPLAIN_SENTENCES = 5  # shown in an answer's explanation (rag ask --explain), each cut at _EXPLAIN_CHARS
_EXPLAIN_CHARS = 80
_RELATED_SHOWN = 3  # passages shown beside a refusal


# A typed span's rank: its retrieval-led score, scaled by its own evidence from _EVIDENCE_FLOOR (no evidence) to
# _EVIDENCE_FLOOR + 1; the floor keeps retrieval in charge when the evidence of two spans is alike
_EVIDENCE_FLOOR = 0.5
# Evidence: the sentence's coverage of the question's non-place words and the span's own clause's, blended; then
# halved for a span whose kind barely fits (agreement 0) and kept whole for one that fits fully (agreement 1)
_SENTENCE_EVIDENCE = 0.6
_CLAUSE_EVIDENCE = 0.4
_UNAGREED_EVIDENCE = 0.5
# the asked word elsewhere in the sentence than the answer's clause (or the clause before): half the evidence
_ASKED_WORD_ELSEWHERE = 0.5


def _typed_rank(choice: SpanChoice) -> float:
    """How a typed span ranks among the others: retrieval-led, tempered by its own evidence."""
    return choice.score * (_EVIDENCE_FLOOR + _evidence(choice))


def typed_rivals(best: SpanChoice, typed: list[SpanChoice]) -> tuple[int, float]:
    """The competition ``best`` won: how many other answers of the asked kind the passages hold, and the
    runner-up's rank as a share of the winner's (1: a tie; 0: no other answer).

    A figure in litres is a safe answer to 能装几升 when it is the only one in the passages, a doubtful one
    when five others stand beside it; the fitted confidence learns how much that weighs.
    """
    own = to_matching(best.candidate.text[best.start : best.end])
    others: dict[str, float] = {}
    for c in typed:
        text = to_matching(c.candidate.text[c.start : c.end])
        if text and text != own and text not in own and own not in text:
            others[text] = max(others.get(text, 0.0), _typed_rank(c))
    top = _typed_rank(best)
    runner_up = max(others.values(), default=0.0)
    return len(others), (min(runner_up / top, 1.0) if top > 0 else 0.0)


def _evidence(choice: SpanChoice) -> float:
    """How well a typed span's own evidence answers the question, in [0, 1] (ranks typed spans only).

    Places are judged by place_factor; coverage of the other terms says whether the sentence is about
    what was asked (a sentence about 汉滨区 money is no answer to 汉滨区的年产值).
    """
    cand = choice.candidate
    evidence = cand.place_factor * (_SENTENCE_EVIDENCE * cand.content_coverage + _CLAUSE_EVIDENCE * choice.local)
    evidence *= _UNAGREED_EVIDENCE + (1.0 - _UNAGREED_EVIDENCE) * choice.agree
    return max(0.0, min(1.0, evidence))


# jieba POS flags of function words (adverbs, prepositions, conjunctions, particles, pronouns, numerals, measures)
_FUNCTION_POS = ("d", "p", "c", "u", "r", "m", "q")


def _asked_term_near(question: Question, sentence: str, start: int, end: int) -> float:
    """Where the question's word next to its question word (年产值 in 年产值是多少) stands relative to the answer.

    1 inside the answer's clause (or the clause before it, where Chinese often names what is measured),
    _ASKED_WORD_ELSEWHERE elsewhere in the sentence, 0 absent; 1 when the question has no such word.
    """
    return _near_position(_asked_word(question.text), sentence, start, end)


@lru_cache(maxsize=256)
def _asked_word(question: str) -> str | None:
    """The question's content word next to its question word (年产值 of 年产值是多少), if any."""
    from ..extract.slots import question_slot

    slot = question_slot(question)
    # content words only: 体重 in 体重大约是多少, not the adverb 大约
    left = [w for w, flag in posseg(slot.left) if w in slot.left_terms and not flag.startswith(_FUNCTION_POS)]
    right = [w for w, flag in posseg(slot.right) if w in slot.right_terms and not flag.startswith(_FUNCTION_POS)]
    return left[-1] if left else (right[0] if right else None)


def _near_position(near: str | None, sentence: str, start: int, end: int) -> float:
    if not near:
        return 1.0
    if near not in sentence:
        return 0.0
    a, b = _clause_bounds(sentence, start, end)
    prev_a = _clause_bounds(sentence, max(a - 2, 0), max(a - 1, 0))[0] if a > 1 else a
    return 1.0 if near in sentence[prev_a:b] else _ASKED_WORD_ELSEWHERE


def _decide(
    original: str,
    question: Question,
    best: SpanChoice,
    path: str,
    top: list[Candidate],
    hits: list[Hit],
    related: list[Quote],
    explanation: dict,
    threshold: float,
    index: Index,
    weights: dict[str, float],
    slot_probability: float = 0.0,
    quote: tuple[int, int] | None = None,
    rivals: tuple[int, float] = (0, 0.0),
    display: str | None = None,
) -> Answer:
    """Answer with ``best`` when the fitted scorer's probability that it is right reaches ``threshold`` (``display``:
    the answer's text when it is not ``best``'s own, e.g. the list a sentence announces; ``quote`` then covers it)."""
    from ..extract import confidence as answer_confidence

    cand = best.candidate
    if display is None:
        display = best.display if path == "definition" else _display(best, question)
    features = answer_confidence.answer_features(
        coverage=cand.coverage,
        content_coverage=cand.content_coverage,
        local_coverage=best.local,
        weights=weights,
        document=cand.doc.text,
        asked_term_near=_asked_term_near(question, cand.text, best.start, best.end),
        evidence=_evidence(best),
        type_agreement=best.agree,
        place_factor=cand.place_factor,
        slot_probability=slot_probability,
        matched_terms=len(cand.matched),
        question_terms=len(question.terms),
        sentence_rank=next((i for i, c in enumerate(top) if c is cand), len(top)),
        hit=cand.hit,
        answer=display,
        sentence=cand.text,
        english=question.language == "en",
        rivals=rivals,
        path=path,
        qtype=question.qtype,
    )
    confidence = answer_confidence.answer_probability(answer_confidence.load_answer_scorer(), features)
    explanation.update(
        {
            "sentence": cand.text,
            "doc_id": cand.doc.id,
            "found_by": path,  # not "path": Gradio clients read a dict with a "path" key as a file
            "proposal": display,
            "coverage": round(cand.coverage, 4),
            "content_coverage": round(cand.content_coverage, 4),
            "local_coverage": round(best.local, 4),
            "type_agreement": round(best.agree, 4),
            "place_factor": round(cand.place_factor, 4),
            "answer_features": features,  # full precision: the fitted trees split at exact training values
            "threshold": threshold,
        }
    )
    if (path != "typed" or question.qtype == "yesno") and _cells_spanned(best) > 1:
        # a span across a table row's cells (3D打印机 4台 220×220×250毫米 是) is the row, no answer: a table answers
        # by a cell, found by its row and column (a yes/no answer is a whole sentence, typed: a row too)
        explanation["abstain_reason"] = "the proposal is a table row, not a cell"
        return _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}能回答这个问题的内容。")
    if _echoes(display, question.text, question.unit) or to_matching(display) in {
        to_matching(t) for t in question.terms
    }:
        # (the second: one of the question's own words as the documents write it, 一千块 read as 1000元)
        explanation["abstain_reason"] = "the proposal repeats the question"
        return _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}能回答这个问题的内容。")
    if confidence < threshold:
        explanation["abstain_reason"] = f"confidence {confidence:.2f} below threshold {threshold:.2f}"
        answer = _abstain(original, question, hits, related, explanation, f"{NOT_FOUND}能回答这个问题的内容。")
        return answer.model_copy(update={"confidence": confidence})
    q_start, q_end = quote or _quote_for(best, question)
    if (
        question.qtype == "person"
        and _CONTACT_Q.search(question.text)
        and display == cand.text[best.start : best.end]
        and (phone := _PHONE_AFTER.match(cand.text, best.end))
    ):
        # 有异议找谁: the person and the number written right after the name (王敏，电话021-6688-5521), quoted too
        end = phone.end()
        if re.search(r"[（(]", phone.group()) and cand.text[end : end + 1] in ("）", ")"):
            end += 1  # 王敏（电话 138 0571 4426）: the bracket closed too
        display = cand.text[best.start : end]
        q_end = max(q_end, cand.span.start + end)
    if (
        question.qtype == "code"
        and _CONTACT_Q.search(question.text)
        and _WHO.search(question.text)
        and display == cand.text[best.start : best.end]
        and (name := _name_before(question, cand, best.start, weights)) is not None
    ):
        # 该找谁？电话多少？: the person written right before the number answers too (林海燕，咨询电话：0596-3387215)
        display = cand.text[name : best.end]
        q_start = min(q_start, cand.span.start + name)
    if question.qtype == "yesno" and (no := refusal_verdict(question.text, display, cand.matched)):
        display = f"{no}。{display}"  # 能带宠物进去吗 → 不能。宠物禁止入内
    quotes = [Quote.from_document(cand.doc, q_start, q_end)]
    # 陈老师 teaches it and the documents name one 陈 in full (陈思齐：普拉提): the name, quoted where it is written
    docs = [index.document(d) for d in dict.fromkeys(h.chunk.doc_id for h in hits)]
    if (header := _header_of(best)) is not None:
        # an answer read from a table row: the header line says which column each figure is
        quotes.append(Quote.from_document(cand.doc, *header))
    if question.qtype in _NAME_TYPES and (named := full_name(display, docs)):
        name_doc, n_start, n_end = named
        display = name_doc.text[n_start:n_end]
        quotes.append(Quote.from_document(name_doc, *_sentence_around(name_doc.text, n_start, n_end)))
        explanation["full_name"] = display
    for quoted in quotes:
        if not quoted.matches(index.document(quoted.doc_id)):  # the last gate: never show an unverified quote
            raise RuntimeError(f"quote {quoted.start}:{quoted.end} of {quoted.doc_id} failed verification")
    return Answer(
        question=original,
        answer=display,
        abstained=False,
        confidence=confidence,
        quotes=quotes,
        hits=hits,
        explanation=explanation,
    )


# a question asking whom to contact (rag/resources/zh/contact_words.txt)
_CONTACT_Q = re.compile("|".join(resource_groups("zh/contact_words.txt")["words"]))
# a phone number right after a name: a comma, bracket or colon, a word for phone, then at least 7 digits
# (the words for a phone: the `code` header words of column_kinds.txt, 联系电话, 手机, 热线)
_PHONE_WORDS = "|".join(w for w in resource_groups("zh/column_kinds.txt")["code"] if not w.isascii())
_PHONE_AFTER = re.compile(rf"[，,（(：:\s]{{0,2}}(?:联系)?(?:{_PHONE_WORDS})?[：:]?\s?\+?\d(?:[\d\- ]{{5,}}\d)")


# a question word asking for a person (找谁, 问哪位)
_WHO = re.compile("谁|哪位")
# how far before a phone number its person may be named: a label and a separator (林海燕，咨询电话：)
_NAME_TO_PHONE_CHARS = 12


def _name_before(question: Question, cand: Candidate, start: int, weights: dict[str, float]) -> int | None:
    """Where the person named last before ``start`` in ``cand`` (within a label's distance) begins, or None."""
    names = [
        c.start
        for c in _EXTRACTORS["person"](question, cand, weights)
        if c.end <= start and start - c.end <= _NAME_TO_PHONE_CHARS
    ]
    return max(names, default=None)


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``text`` holding ``start:end``."""
    return next(((s.start, s.end) for s in split_sentences(text) if s.start <= start and end <= s.end), (start, end))


# An answer whose characters the question already holds, every one, tells the asker nothing (优惠 for
# 周末借车有没有优惠); one new character may be the news (桃园市大溪区 for 桃园市立大溪高级中学位于哪儿)
_ECHO_SHARE = 1.0


def _echoes(answer: str, question: str, unit: str | None = None) -> bool:
    chars = [c for c in to_matching(answer) if c.isalnum()]
    if not chars:
        return False
    said = find_quantities(answer)
    if (
        unit
        and len(said) == 1
        and said[0].text == answer
        and said[0].value is not None
        and same_unit(said[0].unit, unit)
    ):
        # a measure in the asked unit is news unless the question states it, whatever characters it shares (十天
        # for 干了十二年，一年能休几天年假); any other (200米 for a record asked in 2008年…) is judged by its characters
        return any(q.value == said[0].value and same_unit(q.unit, unit) for q in find_quantities(question))
    q = to_matching(question)
    return sum(c in q for c in chars) / len(chars) >= _ECHO_SHARE


def _related(candidates: list[Candidate]) -> list[Quote]:
    """The best three sentences to show beside a refusal; a bare list number (1.) says nothing and is skipped."""
    out: list[Quote] = []
    for c in candidates:
        if sum(ch.isalpha() for ch in c.text) < _RELATED_MIN_LETTERS:
            continue
        out.append(Quote.from_document(c.doc, c.span.start, c.span.end))
        if len(out) == _RELATED_SHOWN:
            break
    return out


# a passage shown as related holds at least this many letters or characters (not 1. or （二）)
_RELATED_MIN_LETTERS = 2


def _abstain(original, question, hits, related, explanation, message) -> Answer:
    return Answer(
        question=original,
        answer=message,
        abstained=True,
        confidence=0.0,
        quotes=[],
        related=related,
        hits=hits,
        explanation=explanation,
    )
