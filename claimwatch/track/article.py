"""The claims one article is about, after review: what its page and `articles show` present."""

from __future__ import annotations

from claimwatch.records import ArticleClaim
from claimwatch.store import Store


def article_claims(store: Store, article_id: int) -> list[ArticleClaim]:
    """Live claims the model related to the article or a reviewer labelled for it, in claim order, each with
    the stance after review, the model's result, the correction and the exclusion (four queries in all)."""
    claims = {c.id: c for c in store.list_claims() if c.id is not None}
    corrections, excluded = store.article_reviews(article_id)
    stances = {s.claim_id: s for s in store.stances(article_id=article_id) if s.claim_id is not None}
    wanted = {cid for cid, s in stances.items() if s.label != "unrelated"} | set(corrections)
    return [
        ArticleClaim(
            claim=claims[cid],
            label=corrections[cid].label if cid in corrections else stances[cid].label,
            stance=stances.get(cid),
            correction=corrections.get(cid),
            excluded=cid in excluded,
        )
        for cid in sorted(c for c in wanted if c in claims)
    ]
