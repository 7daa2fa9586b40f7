"""Features for claim–article stance: embedding similarity, lexical overlap, and refute/hedge/support
cues around the sentences that best match the claim.

Bodies are featurised once (`BodyRep`: sentences, embeddings, cue counts) and reused for every
claim they are paired with, which is what makes scoring thousands of pairs per second possible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from claimwatch.nlp.embed import Encoder
from claimwatch.nlp.sentences import split_sentences
from claimwatch.records import Sentence

MAX_SENTENCES = 60  # long bodies: the lead carries the claim; caps cost per body
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "shall",
        "should",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "his",
        "her",
        "their",
        "our",
        "your",
        "them",
        "him",
        "me",
        "us",
        "not",
        "no",
        "but",
        "if",
        "then",
        "than",
        "so",
        "such",
        "into",
        "over",
        "after",
        "before",
        "about",
        "up",
        "down",
        "out",
        "off",
        "new",
        "says",
        "said",
    ]
)
CUES = ("refute", "hedge", "support", "negation", "report", "debunk")
_REFUTE, _DEBUNK = CUES.index("refute"), CUES.index("debunk")


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[frozenset[str], tuple[str, ...]]]:
    """Cue lexicon: per category, single words and multi-word phrases."""
    raw = json.loads(resources.files("claimwatch.stance").joinpath("lexicon.json").read_text("utf-8"))
    out = {}
    for cat in CUES:
        words = [w.lower() for w in raw[cat]]
        out[cat] = (frozenset(w for w in words if " " not in w), tuple(f" {w} " for w in words if " " in w))
    return out


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (n't split off so negation is countable)."""
    return _WORD.findall(text.lower().replace("n't", " n't").replace("’", "'"))


def cue_counts(text: str) -> np.ndarray:
    """Counts of each cue category in a text."""
    toks = tokens(text)
    padded = " " + " ".join(toks) + " "
    lex = lexicon()
    return np.array([sum(t in lex[c][0] for t in toks) + sum(padded.count(p) for p in lex[c][1]) for c in CUES], dtype=np.float32)


def content_words(text: str) -> set[str]:
    """Content-word set (stop words removed, crude plural folding)."""
    return {t.rstrip("s") if len(t) > 4 else t for t in tokens(text) if t not in _STOP and len(t) > 1}


@dataclass
class BodyRep:
    """A featurised article body."""

    sentences: list[Sentence]
    emb: np.ndarray  # (n, 384)
    mean_emb: np.ndarray  # (384,)
    cues: np.ndarray  # (n, len(CUES))
    words: list[set[str]]  # content words per sentence
    all_words: set[str]
    bigrams: set[tuple[str, str]]
    n_words: int


@dataclass
class ClaimRep:
    """A featurised claim (headline)."""

    text: str
    emb: np.ndarray
    cues: np.ndarray
    words: set[str]
    bigrams: set[tuple[str, str]]
    numbers: set[str]
    question: bool


def body_sentences(text: str) -> list[Sentence]:
    """The sentences of an article that the model embeds: its first MAX_SENTENCES, or its first 1000
    characters as one when none is found (the sentence vector index holds exactly these)."""
    return split_sentences(text)[:MAX_SENTENCES] or [Sentence(text=text[:1000] or " ", start=0, end=min(len(text), 1000))]


def body_reps(texts: list[str], embedder: Encoder, full: Sequence[bool] | None = None) -> list[BodyRep]:
    """Featurise bodies, embedding all their sentences in one batch.

    Bodies with `full[i]` False get sentences and embeddings only (enough for retrieval): the lexical
    features are skipped for bodies no candidate pair will use. Never featurise a pair on such a rep.
    """
    split = [body_sentences(t) for t in texts]
    flat = [s.text for ss in split for s in ss]
    emb = embedder.encode(flat)
    reps, pos = [], 0
    for i, (text, ss) in enumerate(zip(texts, split, strict=True)):
        e = emb[pos : pos + len(ss)]
        pos += len(ss)
        mean = e.mean(axis=0)
        mean_emb = mean / max(float(np.linalg.norm(mean)), 1e-12)
        if full is not None and not full[i]:
            empty = np.zeros((len(ss), len(CUES)), dtype=np.float32)
            reps.append(BodyRep(sentences=ss, emb=e, mean_emb=mean_emb, cues=empty, words=[], all_words=set(), bigrams=set(), n_words=0))
            continue
        words = [content_words(s.text) for s in ss]
        reps.append(
            BodyRep(
                sentences=ss,
                emb=e,
                mean_emb=mean_emb,
                cues=np.stack([cue_counts(s.text) for s in ss]),
                words=words,
                all_words=set().union(*words),
                bigrams=_bigrams(text),
                n_words=len(tokens(text)),
            )
        )
    return reps


def claim_reps(texts: list[str], embedder: Encoder) -> list[ClaimRep]:
    """Featurise claims (headlines)."""
    emb = embedder.encode(texts)
    reps = []
    for text, e in zip(texts, emb, strict=True):
        reps.append(
            ClaimRep(
                text=text,
                emb=e,
                cues=cue_counts(text),
                words=content_words(text),
                bigrams=_bigrams(text),
                numbers={t for t in tokens(text) if t.isdigit()},
                question="?" in text,
            )
        )
    return reps


FEATURE_NAMES: list[str] = (
    ["sim_max", "sim_top3", "sim_mean", "sim_first", "sim_body", "sim_argmax_pos", "n_sim_gt50", "n_sim_gt35", "sim_gap"]
    + ["ov_body", "ov_best", "ov_top3", "ov_lead", "jaccard", "bigram_ov", "num_ov", "num_missing"]
    + [f"body_{c}" for c in CUES]
    + [f"top3_{c}" for c in CUES]
    + [f"best_{c}" for c in CUES]
    + [f"wsim_{c}" for c in CUES]
    + [f"lead_{c}" for c in CUES]
    + [f"claim_{c}" for c in CUES]
    + ["claim_question", "neg_mismatch", "log_words", "n_sentences", "claim_len"]
    + ["debunk_body_x_claim_asserts", "debunk_body_x_claim_debunks", "debunk_top3_x_claim_asserts", "refute_best_x_claim_asserts"]
)


def pair_features(claim: ClaimRep, body: BodyRep) -> tuple[np.ndarray, np.ndarray]:
    """Feature vector of one (claim, body) pair, and the per-sentence similarities (for evidence)."""
    sims = body.emb @ claim.emb
    n = len(sims)
    order = np.argsort(-sims)
    top3 = order[:3]
    best = int(order[0])
    n_claim = max(len(claim.words), 1)
    lead_words = set().union(*body.words[:3])
    weights = np.exp((sims - sims.max()) * 10.0)
    weights /= weights.sum()
    body_rate = body.cues.sum(axis=0) / max(body.n_words, 1) * 100
    top3_cues = body.cues[top3].sum(axis=0)
    neg_claim = claim.cues[CUES.index("negation")] + claim.cues[CUES.index("refute")] > 0
    neg_best = body.cues[best, CUES.index("negation")] + body.cues[best, CUES.index("refute")] > 0
    body_text_words = body.all_words
    claim_debunks = float(claim.cues[_DEBUNK] > 0 or claim.cues[_REFUTE] > 0)
    feats = np.concatenate(
        [
            [
                sims[best],
                sims[top3].mean(),
                sims.mean(),
                sims[0],
                float(body.mean_emb @ claim.emb),
                best / max(n - 1, 1),
                float((sims > 0.5).sum()),
                float((sims > 0.35).sum()),
                sims[best] - (sims[order[1]] if n > 1 else 0.0),
                len(claim.words & body_text_words) / n_claim,
                len(claim.words & body.words[best]) / n_claim,
                len(claim.words & set().union(*(body.words[i] for i in top3))) / n_claim,
                len(claim.words & lead_words) / n_claim,
                len(claim.words & body_text_words) / max(len(claim.words | body_text_words), 1),
                _bigram_overlap(claim, body),
                len(claim.numbers & body_text_words) / max(len(claim.numbers), 1),
                float(len(claim.numbers - body_text_words)),
            ],
            body_rate,
            top3_cues,
            body.cues[best],
            weights @ body.cues,
            body.cues[:3].sum(axis=0),
            claim.cues,
            [float(claim.question), float(neg_claim != neg_best), np.log1p(body.n_words), float(n), float(len(claim.words))],
            # Disagreement is a polarity mismatch: a debunking body against an asserting claim
            # (a debunking claim and a debunking body agree). Explicit products help the trees.
            [
                body_rate[_DEBUNK] * (not claim_debunks),
                body_rate[_DEBUNK] * claim_debunks,
                top3_cues[_DEBUNK] * (not claim_debunks),
                (body.cues[best, _REFUTE] + body.cues[best, _DEBUNK]) * (not neg_claim),
            ],
        ]
    ).astype(np.float32)
    return feats, sims


def _bigrams(text: str) -> set[tuple[str, str]]:
    """Adjacent content-word pairs (stop words dropped first, so 'leaves a crater' ~ 'leaves crater')."""
    toks = [t for t in tokens(text) if t not in _STOP]
    return set(zip(toks, toks[1:], strict=False))


def _bigram_overlap(claim: ClaimRep, body: BodyRep) -> float:
    """Share of the claim's content bigrams that occur in the body."""
    return len(claim.bigrams & body.bigrams) / len(claim.bigrams) if claim.bigrams else 0.0
