"""Checks on raw input: size, binary content, encoding, length and language."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from claimwatch.errors import InputError
from claimwatch.settings import MiB

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f]")
SNIFF = 8192  # bytes (or characters) looked at to tell text from binary

# Leading bytes of common binary formats, so a renamed archive or image gets a precise reason.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip-compressed data; decompress it first"),
    (b"BZh", "bzip2-compressed data; decompress it first"),
    (b"\xfd7zXZ\x00", "xz-compressed data; decompress it first"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data; decompress it first"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def format_size(size: int) -> str:
    """A size for messages, in MiB like the limits ('20 MiB', '23.8 MiB'); bytes below 0.1 MiB."""
    if size < MiB // 10:
        return f"{size:,} bytes"
    return f"{size / MiB:,.1f}".removesuffix(".0") + " MiB"


def too_large(size: int, limit: int) -> str:
    """'too large: 23.8 MiB exceeds the 20 MiB limit (CLAIMWATCH_MAX_BYTES)'."""
    shown = format_size(size)
    if shown == format_size(limit):  # just over the limit: the rounded figures would look equal
        shown = f"{size:,} bytes"
    return f"too large: {shown} exceeds the {format_size(limit)} limit (CLAIMWATCH_MAX_BYTES)"


def check_size(origin: str, size: int, limit: int) -> None:
    """Refuse empty or oversized inputs before reading them whole."""
    if size == 0:
        raise InputError(origin, "empty file")
    if size > limit:
        raise InputError(origin, too_large(size, limit))


def check_length(origin: str, chars: int, limit: int) -> None:
    """Refuse an article text longer than `limit` characters (CLAIMWATCH_MAX_ARTICLE_CHARS)."""
    if chars > limit:
        raise InputError(origin, f"article too long: {chars:,} characters (limit {limit:,}; set CLAIMWATCH_MAX_ARTICLE_CHARS)")


def sniff_utf16(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for BOM-less UTF-16 text in a Latin script, by its pattern of NUL bytes.

    Latin-script text in UTF-16 has a NUL in (nearly) every high byte and (nearly) never in a low
    byte; binary data that happens to look alike is caught later, when the decoded text is checked
    for control characters.
    """
    sample = data[: SNIFF - SNIFF % 2]
    sample = sample[: len(sample) - len(sample) % 2]
    pairs = len(sample) // 2
    if pairs < 8:
        return None
    even = sample[0::2].count(0) / pairs
    odd = sample[1::2].count(0) / pairs
    if odd >= 0.6 and even <= 0.05:
        return "utf-16-le"
    if even >= 0.6 and odd <= 0.05:
        return "utf-16-be"
    return None


def text_encoding(data: bytes) -> str | None:
    """The encoding a BOM or the UTF-16 NUL pattern gives away, or None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return sniff_utf16(data)


def refuse_binary(origin: str, data: bytes, what: str = "text") -> None:
    """Refuse undecoded bytes that are a known binary format or hold NUL or many control bytes."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise InputError(origin, f"binary content, not {what}: {kind}")
    head = data[:SNIFF]
    if b"\x00" in head or len(_CONTROL_BYTES.findall(head)) > max(8, len(head) // 100):
        raise InputError(origin, f"binary content, not {what} (NUL or control bytes found)")


def _refuse_control(origin: str, text: str, what: str) -> None:
    """Refuse decoded text full of control characters (binary data read through an explicit encoding)."""
    head = text[:SNIFF]
    if "\x00" in head or len(_CONTROL_CHARS.findall(head)) > max(8, len(head) // 100):
        raise InputError(origin, f"binary content, not {what} (NUL or control characters after decoding)")


def decode_bytes(origin: str, data: bytes, encoding: str | None = None, what: str = "text") -> str:
    """Decode text: an explicit encoding first, else a BOM, BOM-less UTF-16 (NUL pattern) or UTF-8."""
    if not data.strip():
        raise InputError(origin, "empty file")
    if not encoding:
        encoding = text_encoding(data)
        if encoding is None:
            refuse_binary(origin, data, what)
    try:
        text = data.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        hint = "pass the right --encoding" if encoding else "re-save the file as UTF-8 or pass --encoding (for example --encoding latin-1)"
        raise InputError(
            origin, f"cannot decode as {(encoding or 'UTF-8').upper()} (byte 0x{data[exc.start]:02x} at offset {exc.start}); {hint}"
        ) from None
    except LookupError:
        raise InputError(origin, f"unknown encoding {encoding!r}") from None
    _refuse_control(origin, text, what)
    return text.removeprefix("\ufeff")


# -- language ---------------------------------------------------------------------------------

LANGUAGE_NAMES = {
    "af": "Afrikaans",
    "ar": "Arabic",
    "bg": "Bulgarian",
    "ca": "Catalan",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "la": "Latin",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "ms": "Malay",
    "nl": "Dutch",
    "no": "Norwegian",
    "nn": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sq": "Albanian",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
ENGLISH_LIKE = frozenset({"en", "pcm", "zxx"})  # English, Nigerian Pidgin (English-based), no linguistic content
LANGUAGE_SAMPLE = 20_000  # characters looked at: enough for a confident call, cheap on huge texts
MIN_PROSE_LETTERS = 150  # below this the detector is not asked to judge
MIN_PROSE_SHARE = 0.3  # prose must be a real part of the text, not a few phrases in a list
MIN_CONFIDENCE = 0.95

_SEGMENT = re.compile(r"[\n\r.!?;:,()\[\]|•·–—]+")
_LOWER_WORD = re.compile(r"[^\W\d_][\w'’-]*")


@lru_cache(maxsize=1)
def language_identifier() -> Any:
    """py3langid's identifier, loaded once per process from the model inside its wheel (no network)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def prose(text: str) -> str:
    """The running-prose clauses of a text: 5+ words, at least half of them lower-case words.

    Lists, tables, scores, menus and name rolls drop out, so the language detector judges sentences,
    not proper nouns and numbers (which make it guess wildly).
    """
    clauses = []
    for clause in _SEGMENT.split(text):
        words = clause.split()
        if len(words) >= 5 and sum(w[0].islower() and bool(_LOWER_WORD.fullmatch(w)) for w in words) * 2 >= len(words):
            clauses.append(" ".join(words))
    return ". ".join(clauses)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, f"language '{code}'")


def check_english(origin: str, text: str) -> None:
    """Refuse text that is confidently another language: the analysers and models are English-only.

    Conservative on purpose: short texts and texts with little running prose (lists, box scores,
    meal plans) are never refused; prose is refused only when py3langid is at least 95 % sure it is
    not English.
    """
    sample = text[:LANGUAGE_SAMPLE]
    letters = [ch for ch in sample if ch.isalpha()]
    if len(letters) < 40:
        return
    latin = sum(ch < "\u0250" for ch in letters)  # Basic Latin to Latin Extended-B
    if latin * 2 < len(letters):
        code, _ = language_identifier().classify(sample)
        detected = "" if code in ENGLISH_LIKE else f", detected {language_name(code)}"
        raise InputError(origin, f"text does not look like English (mostly non-Latin script{detected}); claimwatch analyses English news")
    running = prose(sample)
    prose_letters = sum(ch.isalpha() for ch in running)
    if prose_letters < MIN_PROSE_LETTERS or prose_letters < MIN_PROSE_SHARE * len(letters):
        return
    code, confidence = language_identifier().classify(running)
    if code in ENGLISH_LIKE or confidence < MIN_CONFIDENCE:
        return
    raise InputError(
        origin,
        f"text does not look like English: detected {language_name(code)} ({code}, {confidence:.0%} confident); "
        "claimwatch analyses English news",
    )
