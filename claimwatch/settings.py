"""The one home of configuration: validated settings with CLAIMWATCH_* environment overrides.

Every setting is a pydantic field with a default and a help text (`SETTINGS` lists them, the README's
settings table documents each, and a test checks both agree). A bad value, from the environment or
from a command-line option, is one `ConfigError` line naming the variable, the value and the problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from claimwatch.errors import ConfigError

MiB = 1024 * 1024


class Settings(BaseSettings):
    """Runtime settings; build with `Settings.from_env()` and pass down explicitly."""

    model_config = SettingsConfigDict(env_prefix="CLAIMWATCH_", frozen=True, extra="forbid", validate_default=True)

    db: str = Field("claimwatch.db", min_length=1, description="Database: a SQLite file path or a SQLAlchemy URL (postgresql+psycopg://…).")
    max_bytes: int = Field(20 * MiB, gt=0, description="Largest input file or fetched document, in bytes.")
    max_article_chars: int = Field(
        1_000_000,
        gt=0,
        le=50_000_000,
        description="Longest article that is stored and analysed, in characters (checked on the raw text, a page's visible text and the cleaned text).",
    )
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds to wait for a connection or for each read of a fetch.")
    fetch_deadline: float = Field(60.0, gt=0, description="Total seconds one fetch may take, redirects and slow bodies included.")
    max_redirects: int = Field(5, ge=0, le=30, description="Redirect hops followed by one fetch (each hop is checked again).")
    allow_private_fetch: bool = Field(
        False, description="Allow fetching loopback, private, link-local and reserved addresses (tests and intranets only)."
    )
    user_agent: str = Field("claimwatch/0.1 (+https://github.com/claimwatch)", min_length=1, description="User-Agent of every fetch.")
    near_duplicate_threshold: float = Field(
        0.7, gt=0, le=1, description="MinHash Jaccard at or above which an article is a syndicated copy of an earlier one."
    )
    minhash_permutations: int = Field(128, ge=16, le=1024, description="MinHash permutations (changing it invalidates stored signatures).")
    min_article_chars: int = Field(40, ge=1, description="Shortest article text (characters after cleaning) that is stored.")
    api_token: str = Field("", description="Bearer token for the API's write endpoints; writing is off when empty.")
    api_max_body_bytes: int = Field(10 * MiB, gt=0, description="Largest request body the API accepts, checked before it is read.")
    api_auth_max_failures: int = Field(
        10,
        ge=1,
        le=10_000,
        description="Wrong API tokens (bearer or form) one client address may send within CLAIMWATCH_API_AUTH_LOCKOUT_S before its writes get 429.",
    )
    api_auth_lockout_s: int = Field(
        900,
        ge=1,
        le=86_400,
        description="Window, in seconds, over which wrong tokens are counted; a locked-out address may try again once its oldest counted failure is this old.",
    )
    api_max_concurrent_writes: int = Field(
        4, ge=1, le=64, description="Write requests the API runs at once; more get 503 with Retry-After, so readers are never starved."
    )
    analysis_attempts: int = Field(
        3, ge=1, le=100, description="How many runs retry an article whose analysis or matching failed before it is left marked failed."
    )
    engine: Literal["local", "dask"] = Field(
        "local", description="Where analysis and matching run: this process, or a dask.distributed cluster (needs a shared database)."
    )
    scheduler: str = Field(
        "", description="Dask scheduler address (tcp://HOST:8786) for engine dask; empty starts a local cluster of `workers` processes."
    )
    workers: int = Field(2, ge=1, le=256, description="Worker processes of the local Dask cluster started when no scheduler is given.")
    model_threads: int = Field(
        0,
        ge=0,
        le=64,
        description="CPU threads of each model (embedder, cross-encoder, LightGBM); 0 = 2 in one process, 1 in each Dask worker.",
    )
    partition_size: int = Field(200, ge=1, le=100_000, description="Articles per Dask task (analysis and matching run per partition).")
    retrieval_threshold: float = Field(
        0.3, ge=-1, le=1, description="Claim-sentence cosine below which the stance model is not run (keeps 99.4 % of related FNC-1 pairs)."
    )
    cluster_threshold: float = Field(0.75, gt=0, le=1, description="Cosine above which paraphrases are one claim in `claims discover`.")
    vector_index: str = Field(
        "",
        description="Directory of the sentence vector index used to retrieve a new claim's sentences; empty = beside a SQLite database (DB.index), or ./claimwatch-index for PostgreSQL.",
    )
    org_name: str = Field("", description="Organisation that publishes the reviews: the `author` of exported ClaimReview.")
    org_url: str = Field("", description="Home page of that organisation (http or https), in the ClaimReview `author`.")
    base_url: str = Field(
        "", description="Public URL of `claimwatch serve` (http or https): each ClaimReview's `url` is BASE_URL/claims/ID."
    )

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then CLAIMWATCH_<NAME> environment variables, then explicit overrides (None = not given)."""
        try:
            given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
            return cls(**given)
        except ValidationError as exc:
            raise ConfigError(describe(exc, overrides)) from None

    def with_(self, **changes: Any) -> Settings:
        """A validated copy with some values changed."""
        try:
            return type(self)(**(self.model_dump() | changes))
        except ValidationError as exc:
            raise ConfigError(describe(exc, changes)) from None

    @property
    def db_url(self) -> str:
        """SQLAlchemy URL: a plain path means SQLite, anything with :// is used as is."""
        if "://" in self.db:
            return self.db
        return f"sqlite:///{Path(self.db).expanduser().resolve()}"


def describe(exc: ValidationError, given: dict[str, object]) -> str:
    """One line for the first invalid setting: where it came from, the value, the problem."""
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "?"
    where = f"option {name}" if given.get(name) is not None else f"CLAIMWATCH_{name.upper()}"
    if first["type"] == "extra_forbidden":
        return f"unknown setting {name!r}"
    value = first.get("input")
    return f"invalid setting {where}={value!r}: {first['msg'].lower()}"


class Setting(NamedTuple):
    """A documented setting: its environment variable, default and help text."""

    name: str
    env: str
    default: object
    help: str


SETTINGS: list[Setting] = [
    Setting(name, f"CLAIMWATCH_{name.upper()}", f.default, f.description or "") for name, f in Settings.model_fields.items()
]
