"""Ingest stage: read files, directories, feeds and URLs into cleaned `Article` records.

The readers are imported on first use (PEP 562), so modules that need only de-duplication
(the store, hence the API) do not load trafilatura, feedparser and httpx.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "article_from_html": "claimwatch.ingest.sources",
    "clean_text": "claimwatch.ingest.clean",
    "expand_sources": "claimwatch.ingest.sources",
    "iter_sources": "claimwatch.ingest.sources",
    "make_client": "claimwatch.ingest.fetch",
    "read_source": "claimwatch.ingest.sources",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'claimwatch.ingest' has no attribute {name!r}")
