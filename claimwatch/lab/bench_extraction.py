"""`claimwatch bench extraction`: the text claimwatch stores from real web pages against plain trafilatura.

The dev set (`../shared/data/extraction`: 127 real pages, gzipped, with `expectations.json`) lists per
page snippets that belong to the main text (`with`) and boilerplate that must be gone (`without`). A
`with` snippet found in the text is a true positive, missing a false negative; a `without` snippet found
is a false positive, absent a true negative. Whitespace is normalised on both sides (claimwatch stores
paragraphs separated by blank lines and no-break spaces as spaces).

Claimwatch's text is the real ingest path (`extract_html` then `article_from_extraction`, which is what
`article_from_html` does); a page refused with an InputError counts as empty. Plain
`trafilatura.extract(html, include_comments=False)` runs on the same pages in the same run. A page is
emptied when claimwatch stores nothing where trafilatura finds an article's worth of text (at least
`min_article_chars`); English pages are those whose trafilatura text py3langid takes for English. Per residue
rule, the bench counts the lines it removed and how many of them held a `with` snippet (real content)
or a `without` snippet (residue).
"""

from __future__ import annotations

import gzip
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trafilatura

from claimwatch.errors import InputError
from claimwatch.ingest.clean import clean_text
from claimwatch.ingest.decode import check_english
from claimwatch.ingest.sources import article_from_extraction, extract_html
from claimwatch.settings import Settings

EXTRACTION_DIR = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "data" / "extraction"


@dataclass(frozen=True)
class Page:
    """One page of the dev set with its expectations."""

    name: str
    url: str | None
    html: bytes
    with_: list[str]
    without: list[str]


def load_pages(root: Path = EXTRACTION_DIR) -> list[Page]:
    """The pages of the set, in the order of `expectations.json`."""
    expectations = root / "expectations.json"
    if not expectations.is_file():
        raise InputError(str(expectations), "no such file (the extraction dev set is ../shared/data/extraction)")
    pages = []
    for name, exp in json.loads(expectations.read_text("utf-8")).items():
        path = root / "html" / f"{name}.gz"
        if not path.is_file():
            raise InputError(str(path), "page listed in expectations.json is missing")
        pages.append(Page(name, exp.get("url"), gzip.decompress(path.read_bytes()), list(exp["with"]), list(exp["without"])))
    return pages


def _norm(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Tally:
    """Snippet counts over pages."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def add(self, page: Page, text: str) -> None:
        found = _norm(text)
        for snippet in page.with_:
            if _norm(snippet) in found:
                self.tp += 1
            else:
                self.fn += 1
        for snippet in page.without:
            if _norm(snippet) in found:
                self.fp += 1
            else:
                self.tn += 1

    def to_dict(self) -> dict[str, Any]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total = self.tp + self.fn + self.fp + self.tn
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "accuracy": round((self.tp + self.tn) / total, 4) if total else 0.0,
            "tp": self.tp,
            "fn": self.fn,
            "fp": self.fp,
            "tn": self.tn,
        }


def _holds(line: str, snippets: list[str]) -> bool:
    """Whether a removed line holds one of the snippets (or is itself part of one, for short headings)."""
    line = _norm(line)
    return any((s := _norm(snippet)) and (s in line or (len(line) >= 8 and line in s)) for snippet in snippets)


def _is_english(text: str) -> bool:
    try:
        check_english("page", text)
    except InputError:
        return False
    return True


def bench_extraction(root: Path = EXTRACTION_DIR, settings: Settings | None = None) -> dict[str, Any]:
    """Score claimwatch's stored text and plain trafilatura on the dev set; per-rule removals; emptied pages."""
    settings = settings or Settings()
    pages = load_pages(root)
    ours, plain, ours_en, plain_en = Tally(), Tally(), Tally(), Tally()
    rules: dict[str, Counter[str]] = {}
    sources: Counter[str] = Counter()
    emptied: list[dict[str, Any]] = []
    non_english: list[str] = []
    ours_s = plain_s = 0.0
    for page in pages:
        t = time.perf_counter()
        text, problem = "", None
        try:
            extraction = extract_html(page.name, page.html, settings, page.url)
            sources[extraction.source] += 1
            for removal in clean_text("\n\n".join(extraction.lines), detect_title=False).removals:
                counts = rules.setdefault(removal.rule, Counter())
                counts["removed"] += 1
                counts["removed_chars"] += len(removal.text)
                counts["with_content"] += _holds(removal.text, page.with_)
                counts["without_residue"] += _holds(removal.text, page.without)
            text = article_from_extraction(page.name, extraction, settings, page.url).text
        except InputError as exc:
            problem = exc.problem
        ours_s += time.perf_counter() - t
        t = time.perf_counter()
        reference = trafilatura.extract(page.html, url=page.url, include_comments=False) or ""
        plain_s += time.perf_counter() - t
        ours.add(page, text)
        plain.add(page, reference)
        english = _is_english(reference)
        if english:
            ours_en.add(page, text)
            plain_en.add(page, reference)
        else:
            non_english.append(page.name)
        if not text.strip() and len(reference.strip()) >= settings.min_article_chars:
            emptied.append({"page": page.name, "english": english, "problem": problem})
    return {
        "pages": len(pages),
        "snippets": {"with": sum(len(p.with_) for p in pages), "without": sum(len(p.without) for p in pages)},
        "claimwatch": ours.to_dict(),
        "trafilatura": plain.to_dict(),
        "english_pages": {"pages": len(pages) - len(non_english), "claimwatch": ours_en.to_dict(), "trafilatura": plain_en.to_dict()},
        "non_english_pages": non_english,
        "emptied": emptied,
        "emptied_english": sum(e["english"] for e in emptied),
        "extraction_used": dict(sources),
        "rules": {name: dict(c) for name, c in sorted(rules.items())},
        "seconds": {"claimwatch": round(ours_s, 2), "trafilatura": round(plain_s, 2)},
    }
