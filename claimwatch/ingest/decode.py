"""Checks on raw input bytes: size, binary content, encoding and language."""

from __future__ import annotations

import re

from claimwatch.errors import InputError

_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_WORD = re.compile(r"[A-Za-z']+")

# A small closed-class list: function words occur in any English prose, whatever the topic.
_ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "that",
        "for",
        "it",
        "on",
        "was",
        "with",
        "as",
        "by",
        "be",
        "at",
        "this",
        "from",
        "have",
        "are",
        "or",
        "an",
        "not",
        "but",
        "has",
        "had",
        "were",
        "which",
        "their",
        "they",
        "he",
        "she",
        "his",
        "her",
        "its",
        "been",
        "would",
        "will",
        "said",
        "who",
        "also",
        "more",
    ]
)


def check_size(origin: str, size: int, limit: int) -> None:
    """Refuse empty or oversized inputs before reading them whole."""
    if size == 0:
        raise InputError(origin, "empty file")
    if size > limit:
        raise InputError(origin, f"too large: {size / 1e6:.1f} MB exceeds the {limit / 1e6:.0f} MB limit")


def decode_bytes(origin: str, data: bytes, encoding: str | None = None) -> str:
    """Decode text bytes (UTF-8 with or without BOM, UTF-16 with BOM, or an explicit encoding)."""
    if not data.strip():
        raise InputError(origin, "empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = encoding or "utf-16"
    elif b"\x00" in data[:8192] or len(_CONTROL.findall(data[:8192])) > max(8, len(data[:8192]) // 100):
        raise InputError(origin, "binary content, not text (NUL or control bytes found)")
    try:
        return data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            origin,
            f"cannot decode as {encoding or 'UTF-8'} (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8 or pass --encoding",
        ) from None
    except LookupError:
        raise InputError(origin, f"unknown encoding {encoding!r}") from None


def check_english(origin: str, text: str) -> None:
    """Refuse text that is clearly not English: the analysers and models are English-only."""
    words = [w.lower() for w in _WORD.findall(text)]
    letters = sum(ch.isalpha() for ch in text)
    ascii_letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    if letters >= 40 and ascii_letters / letters < 0.5:
        raise InputError(origin, "text is not in English (mostly non-Latin script); claimwatch analyses English news")
    if len(words) >= 30:
        share = sum(w in _ENGLISH_FUNCTION_WORDS for w in words) / len(words)
        if share < 0.08:
            raise InputError(
                origin, f"text does not look like English ({share:.0%} English function words); claimwatch analyses English news"
            )
