"""`analyze`: sentences, entities, attributions and check-worthy claims for articles, with spaCy's nlp.pipe."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from claimwatch.attribution.extract import extract_attributions, mark_line_starts
from claimwatch.attribution.lexicon import headline_hedged, lexicon
from claimwatch.nlp.pipeline import load_nlp
from claimwatch.records import Analysis, Attribution, CheckworthyClaim, Entity, Sentence

_FACT_ENTS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "LAW"}
_NUM_ENTS = {"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"}
_OPINION = re.compile(
    r"\b(i think|i believe|i wonder|in my opinion|we hope|should|must|ought|lovely|terrible|amazing|wow)\b", re.IGNORECASE
)
__all__ = ["analysis_from_doc", "analyze_texts", "checkworthiness", "headline_hedged"]
CHECKWORTHY_THRESHOLD = 0.7  # news prose is mostly factual: keep the specific, verifiable sentences


def checkworthiness(sent: Span, attributed: bool) -> float:
    """Score in [0, 1]: specific (names, numbers, dates), factual (a finite verb, no question or
    opinion marker) and of useful length; an attribution makes a statement checkable against its source."""
    ents = {e.label_ for e in sent.ents}
    words = [t for t in sent if t.is_alpha]
    score = 0.0
    score += 0.3 if ents & _FACT_ENTS else 0.0
    score += 0.25 if ents & _NUM_ENTS or any(t.like_num for t in sent) else 0.0
    score += 0.2 if any(t.pos_ in ("VERB", "AUX") and "Fin" in t.morph.get("VerbForm", []) for t in sent) else 0.0
    score += 0.15 if attributed else 0.0
    score += 0.1 if 8 <= len(words) <= 60 else 0.0
    if sent.text.rstrip().endswith("?") or _OPINION.search(sent.text):
        score -= 0.35
    if len(words) < 5:
        score -= 0.3
    return round(max(0.0, min(1.0, score)), 3)


def analysis_from_doc(doc: Doc) -> Analysis:
    """Build the Analysis record of one parsed document."""
    attributions: list[Attribution] = extract_attributions(doc)
    by_sentence: dict[int, int] = {}
    for i, a in enumerate(attributions):
        by_sentence.setdefault(a.sentence_index, i)
    sentences, claims = [], []
    for s_index, sent in enumerate(doc.sents):
        text = sent.text.strip()
        if not text:
            continue
        start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
        end = start + len(text)
        sentences.append(Sentence(text=text, start=start, end=end))
        score = checkworthiness(sent, s_index in by_sentence)
        if score >= CHECKWORTHY_THRESHOLD:
            claims.append(CheckworthyClaim(text=text, score=score, start=start, end=end, attribution_index=by_sentence.get(s_index)))
    entities = [Entity(text=e.text, label=e.label_, start=e.start_char, end=e.end_char) for e in doc.ents]
    return Analysis(text=doc.text, sentences=sentences, entities=entities, attributions=attributions, claims=claims)


def analyze_texts(texts: Iterable[str], nlp: Language | None = None, batch_size: int = 32) -> Iterator[Analysis]:
    """Analyse texts in batches (nlp.pipe); yields one Analysis per text, in order."""
    nlp = nlp or load_nlp()
    lexicon()  # load once before the loop
    docs = (mark_line_starts(nlp.make_doc(text)) for text in texts)
    for doc in nlp.pipe(docs, batch_size=batch_size):
        yield analysis_from_doc(doc)
