"""Helpers for the web pages: highlighted text segments and the stance-over-time chart geometry.

Article text is untrusted. Highlighting never builds HTML: it cuts the text into segments with CSS
classes, and the templates (autoescaping on) print each segment escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "peak": peak,
        "baseline": height - pad_bottom,
        "left": pad_left,
        "top": pad_top,
    }
