"""The answer builder: pick the sentence that answers, extract a typed span, quote its source verbatim.

No language model: every answer is a span of a stored document, and every quote is checked against it.

- :mod:`.core`: candidate sentences, term weights and matching, the evidence every extractor shares
- :mod:`.extractors`: one typed extractor per answer kind, the definition and clause fallbacks, the slot span
- :mod:`.quoting`: the answer as shown and the verbatim quote around it
- :mod:`.builder`: one proposal, judged by the fitted confidence (:mod:`rag.extract.confidence`), or a refusal
"""

from .builder import build_answer, typed_rivals
from .core import BACKGROUND_CHUNKS, NOT_FOUND, Candidate, SpanChoice, collect_candidates, repair_terms
from .extractors import SLOT_SENTENCES, dotted_names, person_after, place_runs

__all__ = [
    "BACKGROUND_CHUNKS",
    "NOT_FOUND",
    "SLOT_SENTENCES",
    "Candidate",
    "SpanChoice",
    "build_answer",
    "collect_candidates",
    "dotted_names",
    "person_after",
    "place_runs",
    "repair_terms",
    "typed_rivals",
]
