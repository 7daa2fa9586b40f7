"""`claims discover`: propose claims from headlines and check-worthy attributed sentences.

Candidates are embedded (MiniLM) and grouped by agglomerative clustering on cosine distance
(average linkage), so one rumour told by many outlets in different words becomes one proposal.
A cluster becomes a proposal when it spans at least `min_articles` independent articles
(syndicated copies count once); its text is the medoid: the candidate closest to all the others,
preferring headlines. Proposals that restate a tracked claim are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import AgglomerativeClustering

from claimwatch.errors import ClaimwatchError
from claimwatch.nlp.embed import CachingEncoder, Encoder, get_embedder
from claimwatch.records import Record
from claimwatch.settings import Settings
from claimwatch.store import Store

# Agglomerative clustering keeps an n x n distance matrix: 8,000 candidates is ~256 MB of float32.
MAX_CANDIDATES = 8000


@dataclass
class ProposedClaim(Record):
    """A claim proposed by discovery, with the articles that make it."""

    text: str
    articles: list[int]
    outlets: list[str]
    members: list[str] = field(default_factory=list)  # the paraphrases grouped under it
    cohesion: float = 0.0  # mean cosine similarity of the members to the proposed text


def candidates(store: Store, min_score: float = 0.7) -> list[tuple[int, str, bool]]:
    """(article id, text, is_headline): titles of original articles and their check-worthy attributed sentences."""
    articles = store.get_articles(article_id for article_id, _version in store.article_version_index())
    found: list[tuple[int, str, bool]] = []
    for aid, a in sorted(articles.items()):
        if a.duplicate_of is None and a.title:
            found.append((aid, a.title.strip(), True))
    for aid, text, _score, attributed in store.checkworthy_sentences(min_score):
        if attributed and aid in articles and articles[aid].duplicate_of is None and len(text) <= 300:
            found.append((aid, text, False))
    return found


def discover(store: Store, settings: Settings, min_articles: int = 2, encoder: Encoder | None = None) -> list[ProposedClaim]:
    """Group paraphrased candidates into proposed claims spanning at least `min_articles` articles."""
    items = candidates(store)
    if len(items) > MAX_CANDIDATES:
        raise ClaimwatchError(
            f"{len(items)} candidate sentences is more than discovery clusters at once ({MAX_CANDIDATES}); "
            "discover on a smaller database (e.g. one day of articles)"
        )
    if len(items) < 2:
        return []
    encoder = encoder or CachingEncoder(get_embedder(), store)
    vectors = encoder.encode([t for _, t, _ in items])
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - settings.cluster_threshold
    ).fit_predict(vectors)
    tracked = store.list_claims()
    tracked_vecs = encoder.encode([c.text for c in tracked]) if tracked else np.zeros((0, vectors.shape[1]), dtype=np.float32)
    articles = store.get_articles({aid for aid, _, _ in items})
    proposals = []
    for label in set(labels.tolist()):
        idx = [i for i, lab in enumerate(labels) if lab == label]
        article_ids = sorted({items[i][0] for i in idx})
        if len(article_ids) < min_articles:
            continue
        sub = vectors[idx]
        centrality = (sub @ sub.T).mean(axis=1) + np.array([0.05 if items[i][2] else 0.0 for i in idx])
        best = idx[int(np.argmax(centrality))]
        if len(tracked_vecs) and float((tracked_vecs @ vectors[best]).max()) >= settings.cluster_threshold:
            continue  # already tracked
        outlets = sorted({o for a in article_ids if (o := articles[a].outlet)})
        proposals.append(
            ProposedClaim(
                text=items[best][1],
                articles=article_ids,
                outlets=outlets,
                members=list(dict.fromkeys(items[i][1] for i in idx)),
                cohesion=round(float((sub @ vectors[best]).mean()), 3),
            )
        )
    proposals.sort(key=lambda p: (-len(p.articles), -p.cohesion, p.text))
    return proposals
