"""Residue cleaning on the real CSMonitor scrape and on synthetic residue."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from claimwatch.ingest.clean import clean_text


def test_csmonitor_caption_credit_and_paywall_removed(csmonitor: Path) -> None:
    result = clean_text(csmonitor.read_text("utf-8"))
    assert result.title == "Iran's supreme leader said to approve military cooperation with US"
    text = result.text
    # caption and its credit line
    assert "Office of the Iranian Supreme Leader/AP" not in text
    assert "In this picture released by an official website" not in text
    # paywall / subscription residue at the end
    for residue in ("Subscribe to continue", "Unlimited digital access", "Get unlimited", "stories this month", "$11/month"):
        assert residue not in text
    # section subheads are not content
    assert "Nuclear deadline" not in text and "Proxy battlefield" not in text
    # the real content stays, first and last paragraphs included
    assert text.startswith("The BBC reports that Ayatollah Ali Khamenei has approved joint military efforts")
    assert "A source close to Mr. Khamenei quickly denied that report" in text
    assert text.endswith("helped Kurdish units target their artillery fire.")
    assert "\u00a0" not in text


def test_caption_before_credit_and_promo_lines() -> None:
    raw = (
        "Storm hits coast\n\n"
        "The storm reached the coast on Monday, officials said, and thousands lost power overnight.\n\n"
        "Residents clear debris in Galveston, Texas, on Tuesday. (AP Photo/David J. Phillip)\n\n"
        "Advertisement\n\n"
        "Forecasters expect the system to weaken as it moves inland over the next two days.\n\n"
        "Sign up for our daily newsletter to get the news first.\n"
    )
    result = clean_text(raw)
    assert result.title == "Storm hits coast"
    assert "AP Photo" not in result.text
    assert "Advertisement" not in result.text
    assert "newsletter" not in result.text
    assert result.text.count("\n\n") == 1  # exactly the two content paragraphs remain


def test_wrapped_lines_are_joined_into_paragraphs() -> None:
    raw = "Headline here for the story\n\nThe first sentence is wrapped\nacross two lines, as scrapes often are.\n"
    assert clean_text(raw).text == "The first sentence is wrapped across two lines, as scrapes often are."


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_cleaner_never_crashes_and_only_removes(text: str) -> None:
    result = clean_text(text)
    kept_words = set(result.text.split())
    assert kept_words <= set(text.replace("\u00a0", " ").split())
