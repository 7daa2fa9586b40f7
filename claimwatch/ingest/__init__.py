"""Ingest stage: read files, directories, feeds and URLs into cleaned `Article` records."""

from claimwatch.ingest.clean import clean_text
from claimwatch.ingest.fetch import make_client
from claimwatch.ingest.sources import article_from_html, expand_sources, iter_sources, read_source

__all__ = ["article_from_html", "clean_text", "expand_sources", "iter_sources", "make_client", "read_source"]
