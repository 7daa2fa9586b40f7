"""Claim discovery groups one rumour told by several outlets into one proposal."""

from __future__ import annotations

from claimwatch.engine.local import analyze_stored
from claimwatch.records import Article
from claimwatch.settings import Settings
from claimwatch.store import Store
from claimwatch.track.discover import discover

STORIES = [
    (
        "Wire",
        "Apple reportedly building its own electric car",
        "Apple is working on an electric vehicle, people familiar with the matter said on Friday, and has hired engineers from Tesla.",
    ),
    (
        "Tech Post",
        "Apple is said to be developing an electric car",
        "The iPhone maker is designing a battery-powered minivan, according to a report in the Wall Street Journal on Friday.",
    ),
    (
        "Daily",
        "Report: Apple developing electric car to rival Tesla",
        "Hundreds of Apple employees are working on a car project code-named Titan, two sources told reporters in Cupertino.",
    ),
    (
        "Sports Desk",
        "Manchester United beat Arsenal 2-1 at the Emirates",
        "Wayne Rooney scored the winner in the 85th minute as Manchester United beat Arsenal in London on Saturday.",
    ),
    (
        "Weather",
        "Heavy snow closes schools across Boston",
        "More than 60 centimetres of snow fell on Boston overnight, the National Weather Service said, closing every public school.",
    ),
]


def _store(store: Store) -> None:
    store.add_articles([Article(text=t, title=h, outlet=o, origin=f"t:{i}") for i, (o, h, t) in enumerate(STORIES)])
    analyze_stored(store)


def test_paraphrased_headlines_become_one_proposed_claim(store: Store, settings: Settings) -> None:
    _store(store)
    proposals = discover(store, settings, min_articles=2)
    assert len(proposals) == 1
    [apple] = proposals
    assert "Apple" in apple.text and "electric car" in apple.text
    assert set(apple.outlets) == {"Wire", "Tech Post", "Daily"} and len(apple.articles) == 3
    assert not any("Arsenal" in m or "snow" in m for m in apple.members)


def test_tracked_claims_are_not_proposed_again(store: Store, settings: Settings) -> None:
    _store(store)
    store.add_claim("Apple is developing an electric car")
    assert discover(store, settings, min_articles=2) == []


def test_single_outlet_stories_are_not_proposed(store: Store, settings: Settings) -> None:
    _store(store)
    assert discover(store, settings, min_articles=4) == []
