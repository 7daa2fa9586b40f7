"""Helpers for the web pages: highlighted text segments and the stance-over-time chart geometry.

Article text is untrusted. Highlighting never builds HTML: it cuts the text into segments with CSS
classes, and the templates (autoescaping on) print each segment escaped.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from claimwatch.records import Attribution, Evidence


@dataclass
class Segment:
    """A run of text with the highlight classes that cover it."""

    text: str
    classes: list[str] = field(default_factory=list)
    note: str = ""


def segments(text: str, spans: list[tuple[int, int, str, str]]) -> list[Segment]:
    """Cut `text` at every span boundary; each piece carries the classes (and notes) of the spans covering it."""
    spans = [(max(0, s), min(len(text), e), c, n) for s, e, c, n in spans if 0 <= s < e]
    cuts = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    result = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [(c, n) for s, e, c, n in spans if s <= start and end <= e]
        classes = list(dict.fromkeys(c for c, _ in covering))
        notes = "; ".join(dict.fromkeys(n for _, n in covering if n))
        result.append(Segment(text[start:end], classes, notes))
    return result


def attribution_spans(attributions: list[Attribution]) -> list[tuple[int, int, str, str]]:
    """Highlight spans for attributions: source, cue and content, flagged denial / hedged / confirmation."""
    spans = []
    for a in attributions:
        flags = [f for f, on in (("denial", a.denial), ("hedged", a.hedged), ("confirmation", a.confirmation)) if on]
        note = (
            f"{a.source or '(unnamed)'} — {a.cue}"
            + (f" ({', '.join(flags)})" if flags else "")
            + (f", to {a.channel}" if a.channel else "")
        )
        extra = " ".join(f"attr-{f}" for f in flags)
        for start, end, part in (
            (a.source_start, a.source_end, "source"),
            (a.cue_start, a.cue_end, "cue"),
            (a.content_start, a.content_end, "content"),
        ):
            if start >= 0 and end > start:
                spans.append((start, end, f"attr-{part}" + (f" {extra}" if extra else ""), note))
    return spans


def evidence_spans(evidence: list[Evidence], shown: int = 3) -> list[tuple[int, int, str, str]]:
    """Highlight spans for the top evidence sentences of a stance decision."""
    return [(e.start, e.end, "evidence", f"evidence, similarity {e.score:.2f}") for e in evidence[:shown] if e.start >= 0]


COLOURS = {"agree": "#2e7d32", "disagree": "#c62828", "discuss": "#757575"}


def chart(timeline: list[dict[str, Any]], width: int = 640, height: int = 180) -> dict[str, Any]:
    """Stacked bars of stance counts per day, as SVG geometry for the template."""
    pad_left, pad_bottom, pad_top = 28, 36, 10
    days = len(timeline)
    peak = max((int(t["agree"]) + int(t["disagree"]) + int(t["discuss"]) for t in timeline), default=0)
    bars: list[dict[str, Any]] = []
    labels: list[dict[str, Any]] = []
    if days and peak:
        slot = (width - pad_left) / days
        bar_w = max(4.0, min(48.0, slot * 0.6))
        scale = (height - pad_bottom - pad_top) / peak
        for i, t in enumerate(timeline):
            x = pad_left + i * slot + (slot - bar_w) / 2
            y = float(height - pad_bottom)
            for stance in ("agree", "disagree", "discuss"):
                n = int(t[stance])
                if not n:
                    continue
                h = n * scale
                y -= h
                bars.append(
                    {
                        "x": round(x, 1),
                        "y": round(y, 1),
                        "w": round(bar_w, 1),
                        "h": round(h, 1),
                        "fill": COLOURS[stance],
                        "stance": stance,
                        "title": f"{t['date']}: {n} {stance}",
                    }
                )
            labels.append({"x": round(x + bar_w / 2, 1), "y": height - pad_bottom + 14, "text": str(t["date"])})
    # y axis: whole numbers of articles at the baseline, the middle (when whole) and the peak, with grid lines
    ticks: list[dict[str, Any]] = []
    if peak:
        span = height - pad_bottom - pad_top
        for value in sorted({0, peak // 2 if peak % 2 == 0 else 0, peak}):
            ticks.append({"value": value, "y": round(height - pad_bottom - value * span / peak, 1)})
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "peak": peak,
        "baseline": height - pad_bottom,
        "left": pad_left,
        "top": pad_top,
    }


# -- article version diffs -------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
MAX_DIFF_TOKENS = 40_000  # word-level diffs above this many tokens per side fall back to lines (difflib is quadratic)


@dataclass
class DiffPart:
    """A run of a version diff: unchanged ("equal"), removed ("del"), added ("ins") or elided ("gap")."""

    kind: str
    text: str


@dataclass
class VersionDiff:
    """How one version of an article differs from the one before."""

    old: int
    new: int
    parts: list[DiffPart]
    added: int  # words added
    removed: int  # words removed
    title_before: str | None = None
    title_after: str | None = None


_WORD = re.compile(r"\w+", re.UNICODE)


def _words(tokens: list[str]) -> int:
    return len(_WORD.findall("".join(tokens)))


def version_diff(old: str, new: str, context: int = 24) -> tuple[list[DiffPart], int, int]:
    """The changes from `old` to `new`, word by word (line by line for very long texts), with `context`
    tokens of unchanged text around each change and gaps elsewhere; plus words added and removed.
    Plain text in, plain text out: the template escapes every part."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if len(a) > MAX_DIFF_TOKENS or len(b) > MAX_DIFF_TOKENS:
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    parts: list[DiffPart] = []
    added = removed = 0
    opcodes = matcher.get_opcodes()
    for i, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            run = a[i1:i2]
            first, last = i == 0, i == len(opcodes) - 1
            keep_head = [] if first else run[:context]
            keep_tail = [] if last else run[-context:]
            if len(run) <= len(keep_head) + len(keep_tail) or (not first and not last and len(run) <= 2 * context):
                parts.append(DiffPart("equal", "".join(run)))
                continue
            if keep_head:
                parts.append(DiffPart("equal", "".join(keep_head)))
            parts.append(DiffPart("gap", "…"))
            if keep_tail:
                parts.append(DiffPart("equal", "".join(keep_tail)))
            continue
        if op in ("delete", "replace"):
            parts.append(DiffPart("del", "".join(a[i1:i2])))
            removed += _words(a[i1:i2])
        if op in ("insert", "replace"):
            parts.append(DiffPart("ins", "".join(b[j1:j2])))
            added += _words(b[j1:j2])
    if not any(p.kind in ("del", "ins") for p in parts):
        return [], 0, 0
    return parts, added, removed


def version_diffs(versions: list[dict[str, Any]]) -> list[VersionDiff]:
    """Diffs between consecutive versions (oldest first, as `Store.article_version_texts` gives them), newest first."""
    diffs = []
    for before, after in zip(versions, versions[1:], strict=False):
        parts, added, removed = version_diff(str(before["text"]), str(after["text"]))
        diffs.append(
            VersionDiff(
                old=int(before["version"]),
                new=int(after["version"]),
                parts=parts,
                added=added,
                removed=removed,
                title_before=before.get("title"),
                title_after=after.get("title"),
            )
        )
    return diffs[::-1]


# -- JSON-LD ---------------------------------------------------------------------------------------


def json_for_script(data: Any) -> Markup:
    """JSON to embed in a `<script type="application/ld+json">` data block: `<`, `>`, `&` and the JS line
    separators are \\u-escaped, so no text in it (a claim, a headline) can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, indent=1)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return Markup(text)  # noqa: S704 - every character that could end the data block is escaped above
