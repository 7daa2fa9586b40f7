"""Stance stage: agree / disagree / discuss / unrelated for (claim, article) pairs, with evidence."""

from claimwatch.stance.model import StanceModel

__all__ = ["StanceModel"]
