"""Cleaning of scraped article text: photo captions and credits, paywall lines, subheads, promo residue.

The same cleaner runs on plain text and on the text trafilatura extracts from HTML, because
scrapes saved as text keep the residue that HTML boilerplate removal would otherwise catch.
Patterns live in `residue.json` so they can be extended without touching the code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class ResiduePatterns:
    """Compiled residue patterns loaded from `residue.json`."""

    credit_line: re.Pattern[str]
    caption_start: re.Pattern[str]
    paywall: re.Pattern[str]
    promo: re.Pattern[str]


@lru_cache(maxsize=1)
def load_patterns() -> ResiduePatterns:
    """Load and compile the residue lexicon shipped with the package."""
    raw = json.loads(resources.files("claimwatch.ingest").joinpath("residue.json").read_text("utf-8"))

    def alt(key: str) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in raw[key]), re.IGNORECASE)

    return ResiduePatterns(
        credit_line=alt("credit_line"),
        caption_start=alt("caption_start"),
        paywall=alt("paywall"),
        promo=alt("promo"),
    )


_TERMINAL = re.compile(r"[.!?:;\"'”’)\]]\s*$")
_PARA_SPLIT = re.compile(r"\n\s*\n")


def _paragraphs(text: str) -> list[str]:
    """Split text into paragraphs; single newlines inside a paragraph become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paras: list[str] = []
    for block in _PARA_SPLIT.split(text):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        current = ""
        for i, line in enumerate(lines):
            current = f"{current} {line}" if current else line
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            # A short unpunctuated line followed by a capitalised one is a line of its own
            # (credit line, caption, subhead); otherwise the line was just wrapped.
            if not nxt or (len(line) < 90 and not _TERMINAL.search(line) and nxt[0].isupper()) or _TERMINAL.search(line) and len(line) < 60:
                paras.append(current)
                current = ""
        if current:
            paras.append(current)
    return paras


def _is_subhead(para: str) -> bool:
    """Short title-like line without sentence punctuation (section subheads such as 'Proxy battlefield')."""
    words = para.split()
    return 0 < len(words) <= 7 and len(para) <= 60 and not _TERMINAL.search(para) and para[0].isupper()


def _is_credit(para: str, pats: ResiduePatterns) -> bool:
    """A photo credit line such as 'Office of the Iranian Supreme Leader/AP'."""
    return len(para) <= 120 and not _TERMINAL.search(para.rstrip(")")) and bool(pats.credit_line.search(para))


def _is_caption(para: str, pats: ResiduePatterns) -> bool:
    """A photo caption paragraph ('In this picture released by ...', '(AP Photo/...)')."""
    return bool(pats.caption_start.search(para))


@dataclass
class CleanResult:
    """Cleaned text plus what was removed (kept for transparency and tests)."""

    text: str
    title: str | None
    removed: list[str]


def clean_text(text: str, *, detect_title: bool = True) -> CleanResult:
    """Remove scrape residue from article text; optionally take a leading headline line as title."""
    pats = load_patterns()
    paras = _paragraphs(text.replace("\u00a0", " "))  # scraped text is full of no-break spaces
    removed: list[str] = []
    title: str | None = None
    if detect_title and len(paras) >= 2:
        first = paras[0]
        if len(first) <= 200 and len(first.split()) >= 3 and not first.rstrip().endswith((".", ":")):
            title = first
            paras = paras[1:]

    kept: list[str] = []
    skip_next_caption = False
    for i, para in enumerate(paras):
        if pats.paywall.search(para) or (len(para) < 120 and pats.promo.search(para)):
            removed.append(para)
            continue
        if _is_credit(para, pats):
            removed.append(para)
            skip_next_caption = True  # a credit line is followed (or preceded) by its caption
            if kept and _is_caption(kept[-1], pats):
                removed.append(kept.pop())
            continue
        if _is_caption(para, pats) or (skip_next_caption and _looks_like_caption_after_credit(para)):
            removed.append(para)
            skip_next_caption = False
            continue
        skip_next_caption = False
        if _is_subhead(para) and 0 < i < len(paras) - 1:
            removed.append(para)
            continue
        kept.append(para)

    # Trailing residue: fragments left around paywall blocks ("of stories this month >").
    while kept and len(kept[-1]) < 80 and not _TERMINAL.search(kept[-1]):
        removed.append(kept.pop())
    return CleanResult(text="\n\n".join(kept), title=title, removed=removed)


_CAPTION_HINTS = re.compile(r"\b(picture|photo|photograph|image|pictured|file photo|seen here|poses|released by)\b", re.IGNORECASE)


def _looks_like_caption_after_credit(para: str) -> bool:
    """After a credit line, a paragraph mentioning a picture is its caption."""
    return bool(_CAPTION_HINTS.search(" ".join(para.split()[:25])))
