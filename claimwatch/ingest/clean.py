"""Cleaning of scraped article text: photo captions and credits, paywall lines, promo and notice residue.

The same cleaner runs on plain text and on the text trafilatura extracts from HTML (one paragraph a
line), because scrapes saved as text keep the residue that HTML boilerplate removal would otherwise
catch. Every rule removes only residue: it is bounded by line length (`max_chars` in `residue.json`)
and anchored to the shape and position of one line, so a rule never reaches into a real paragraph.
Section subheads are article content (they are kept). Patterns live in `residue.json` so they can be
extended without touching the code; `claimwatch bench extraction` reports what each rule removes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import NamedTuple


class Rule(NamedTuple):
    """One residue rule: its patterns and the longest line it may remove.

    Patterns anchored at the start ('^...') are tried with `match` at the start only and the others
    with `search`: one alternation mixing both would be tried at every position of every line.
    """

    start: re.Pattern[str] | None
    anywhere: re.Pattern[str] | None
    max_chars: int

    @classmethod
    def compile(cls, patterns: list[str], max_chars: int) -> Rule:
        start = [p.removeprefix("^") for p in patterns if p.startswith("^")]
        anywhere = [p for p in patterns if not p.startswith("^")]
        return cls(_alt(start) if start else None, _alt(anywhere) if anywhere else None, max_chars)

    def hits(self, para: str) -> bool:
        if len(para) > self.max_chars:
            return False
        return bool((self.start and self.start.match(para)) or (self.anywhere and self.anywhere.search(para)))


@dataclass(frozen=True)
class ResiduePatterns:
    """Compiled residue rules loaded from `residue.json`."""

    credit_line: Rule
    caption: Rule
    paywall: Rule
    offer: Rule
    offer_context: re.Pattern[str]
    promo: Rule
    notice: Rule
    metadata: Rule


def _alt(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@lru_cache(maxsize=1)
def load_patterns() -> ResiduePatterns:
    """Load and compile the residue lexicon shipped with the package."""
    raw = json.loads(resources.files("claimwatch.ingest").joinpath("residue.json").read_text("utf-8"))

    def rule(key: str) -> Rule:
        return Rule.compile(raw[key]["patterns"], int(raw[key]["max_chars"]))

    return ResiduePatterns(
        credit_line=rule("credit_line"),
        caption=rule("caption"),
        paywall=rule("paywall"),
        offer=rule("offer"),
        offer_context=_alt(raw["offer_context"]),
        promo=rule("promo"),
        notice=rule("notice"),
        metadata=rule("metadata"),
    )


_TERMINAL = re.compile(r"[.!?:;\"'”’)\]]\s*$")
_TERMINAL_CHARS = frozenset(".!?:;\"'”’)]")  # the same, for stripped lines
_PARA_SPLIT = re.compile(r"\n\s*\n")
WRAP_WIDTH = 100  # a block with a longer line is one paragraph a line, not hard-wrapped text
SHORT_SHARE = 0.6  # in hard-wrapped text, a line shorter than this share of the width ends its paragraph
FULL_SHARE = 0.85  # ... and so does a sentence ending short of this share
CREDIT_WORDS = 10  # a credit names a source, it says nothing: 'Office of the Iranian Supreme Leader/AP'
CAPTION_AFTER_CREDIT_CHARS = 600
FRAGMENT_CHARS = 80  # leftovers of a paywall block ("of stories this month >") are shorter
MAX_FRAGMENTS = 6
_ARROWS = frozenset(">›»→|…")  # a link's arrow ends a broken piece of a paywall block
_PAYWALL = frozenset({"paywall", "offer", "fragment"})


def _residue_rule(para: str, pats: ResiduePatterns) -> str | None:
    """The name of the line rule that marks this paragraph as residue, or None."""
    if pats.notice.hits(para):
        return "notice"
    if pats.paywall.hits(para):
        return "paywall"
    if pats.offer.hits(para) and pats.offer_context.search(para):
        return "offer"
    if pats.promo.hits(para):
        return "promo"
    if pats.metadata.hits(para):
        return "metadata"
    if _is_credit(para, pats):
        return "credit"
    if _is_caption(para, pats):
        return "caption"
    return None


def _ends_wrapped_line(line: str, nxt: str, width: int, pats: ResiduePatterns) -> bool:
    """In hard-wrapped text (lines at most `width` long), whether `line` ends its paragraph or goes on in `nxt`.

    A wrapped line fills the width; a line well short of it is a paragraph's last line or a line of its
    own (subhead, credit), and a sentence ending short of it ends the paragraph. A credit line is split
    from a paragraph it is glued to only when it is a credit, and a caption ending in its credit
    ('... (AP Photo/Name)') ends its paragraph.
    """
    if len(line) < SHORT_SHARE * width or (line[-1] in _TERMINAL_CHARS and len(line) < FULL_SHARE * width):
        return True
    if nxt.rstrip(")")[-1:] not in _TERMINAL_CHARS and _is_credit(nxt, pats):
        return True
    return line.endswith(")") and _is_caption(line, pats)


def _paragraphs(text: str, pats: ResiduePatterns) -> list[str]:
    """Split text into paragraphs.

    Blocks are separated by blank lines. A block with a line longer than WRAP_WIDTH holds one
    paragraph a line (trafilatura's output, scrapes with a paragraph a line); a block of short lines is
    hard-wrapped text whose lines are joined back into paragraphs. The wrap width is that of the whole
    text (its longest line up to WRAP_WIDTH): a block of two lines says little about it.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [[s for s in (ln.strip() for ln in block.split("\n")) if s] for block in _PARA_SPLIT.split(text)]
    width = max((len(ln) for lines in blocks for ln in lines if len(ln) <= WRAP_WIDTH), default=0)
    paras: list[str] = []
    for lines in blocks:
        if len(lines) <= 1 or max(len(ln) for ln in lines) > WRAP_WIDTH:
            paras.extend(lines)
            continue
        current: list[str] = []
        for i, line in enumerate(lines):
            current.append(line)
            if i + 1 == len(lines) or _ends_wrapped_line(line, lines[i + 1], width, pats):
                paras.append(" ".join(current))
                current = []
    return paras


def _is_credit(para: str, pats: ResiduePatterns) -> bool:
    """A photo credit line such as 'Office of the Iranian Supreme Leader/AP'."""
    return pats.credit_line.hits(para) and len(para.split()) <= CREDIT_WORDS and not _TERMINAL.search(para.rstrip(")"))


def _is_caption(para: str, pats: ResiduePatterns) -> bool:
    """A photo caption paragraph ('In this picture released by ...', '... (AP Photo/...)')."""
    return pats.caption.hits(para)


_CAPTION_HINTS = re.compile(r"\b(picture|photo|photograph|image|pictured|file photo|seen here|poses|released by)\b", re.IGNORECASE)


def _looks_like_caption_after_credit(para: str) -> bool:
    """Right after a credit line, a paragraph of caption length mentioning a picture early on is its caption."""
    return len(para) <= CAPTION_AFTER_CREDIT_CHARS and bool(_CAPTION_HINTS.search(" ".join(para.split()[:25])))


def _is_fragment(para: str) -> bool:
    """A short unpunctuated line ('of stories this month >', '— Membership perks', 'March 3 – Boston')."""
    return len(para) < FRAGMENT_CHARS and not _TERMINAL.search(para)


def _is_broken(para: str) -> bool:
    """A piece of a broken line: starts in lower case or ends with a link arrow ('of stories this month >')."""
    return para[:1].islower() or para.rstrip()[-1:] in _ARROWS


def _mark_paywall_fragments(paras: list[str], verdict: list[str | None]) -> None:
    """Mark the short leftovers of a paywall block at the end of the text as residue, in place.

    Only after the last real paragraph, and only lines sandwiched between paywall lines (a list of
    subscriber perks) or broken pieces right next to one; a short list that merely ends the article
    (tour dates, an address) is kept, paywall block after it or not. At most MAX_FRAGMENTS lines.
    """
    last_real = max((i for i, p in enumerate(paras) if verdict[i] is None and not _is_fragment(p)), default=-1)
    walls = [i for i in range(last_real + 1, len(paras)) if verdict[i] in _PAYWALL]
    if not walls:
        return
    marked = 0
    for i in range(last_real + 1, len(paras)):
        if verdict[i] is not None or marked == MAX_FRAGMENTS:
            continue
        sandwiched = walls[0] < i < walls[-1]
        beside = (i > 0 and verdict[i - 1] in _PAYWALL) or (i + 1 < len(paras) and verdict[i + 1] in _PAYWALL)
        if sandwiched or (beside and _is_broken(paras[i])):
            verdict[i] = "fragment"
            marked += 1


class Removal(NamedTuple):
    """A removed paragraph and the rule that removed it."""

    rule: str
    text: str


@dataclass
class CleanResult:
    """Cleaned text plus what was removed and by which rule (kept for transparency, tests and the bench)."""

    text: str
    title: str | None
    removals: list[Removal] = field(default_factory=list)

    @property
    def removed(self) -> list[str]:
        return [r.text for r in self.removals]


def clean_text(text: str, *, detect_title: bool = True) -> CleanResult:
    """Remove scrape residue from article text; optionally take a leading headline line as title."""
    pats = load_patterns()
    paras = _paragraphs(text.replace("\u00a0", " "), pats)  # scraped text is full of no-break spaces
    title: str | None = None
    if detect_title and len(paras) >= 2:
        first = paras[0]
        if len(first) <= 200 and len(first.split()) >= 3 and not first.rstrip().endswith((".", ":")):
            title = first
            paras = paras[1:]

    verdict: list[str | None] = [None] * len(paras)  # rule that removed each paragraph
    after_credit = False
    for i, para in enumerate(paras):
        rule = _residue_rule(para, pats)
        if rule is None and after_credit and _looks_like_caption_after_credit(para):
            rule = "caption"  # the caption under a credit line, recognised by what it says
        verdict[i] = rule
        after_credit = rule == "credit"

    _mark_paywall_fragments(paras, verdict)
    kept = [p for p, v in zip(paras, verdict, strict=True) if v is None]
    removals = [Removal(v, p) for p, v in zip(paras, verdict, strict=True) if v is not None]
    return CleanResult(text="\n\n".join(kept), title=title, removals=removals)
