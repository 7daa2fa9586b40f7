"""Fast rule-based sentence splitting with character offsets.

The stance model scores every sentence of every body; spaCy's parser would dominate its cost,
so this splitter handles news prose (abbreviations, quotes, paragraph breaks) with regexes.
"""

from __future__ import annotations

import re

from claimwatch.records import Sentence

_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "gov",
    "sen",
    "rep",
    "sec",
    "maj",
    "adm",
    "rev",
    "no",
    "vs",
    "etc",
    "inc",
    "corp",
    "ltd",
    "co",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "mt",
    "ft",
    "approx",
}
_BOUNDARY = re.compile(r"""[.!?]+["”’')\]]*\s+(?=["“‘'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[A-Z"“])""")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.?[\"”’')\]]*\s*$")


def split_sentences(text: str, max_chars: int = 1000) -> list[Sentence]:
    """Split text into sentences with offsets; very long runs are cut at max_chars."""
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        chunk = text[start : match.start() + 1]
        word = _LAST_WORD.search(chunk)
        if word and "\n" not in match.group() and (word.group(1).lower().rstrip(".") in _ABBREV or len(word.group(1)) == 1):
            continue  # "Mr. Khamenei", "U.S. forces", initials: not a boundary
        _append(text, start, end, sentences, max_chars)
        start = end
    _append(text, start, len(text), sentences, max_chars)
    return sentences


def _append(text: str, start: int, end: int, out: list[Sentence], max_chars: int) -> None:
    """Add text[start:end] stripped, cut into max_chars pieces if needed."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > max_chars:
        cut = text.rfind(" ", start, start + max_chars)
        cut = cut if cut > start else start + max_chars
        out.append(Sentence(text=text[start:cut], start=start, end=cut))
        start = cut + 1
    if end > start:
        out.append(Sentence(text=text[start:end], start=start, end=end))
