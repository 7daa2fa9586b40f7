"""Typed records exchanged between pipeline stages (ingest -> analyse -> stance -> track -> store).

Every stage takes and returns these dataclasses; nothing passes raw dicts between stages.
`to_dict()` gives the JSON shape used by the CLI's ``--json`` output and the REST API.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

StanceLabel = Literal["agree", "disagree", "discuss", "unrelated"]
STANCE_LABELS: tuple[StanceLabel, ...] = ("agree", "disagree", "discuss", "unrelated")
QuoteKind = Literal["direct", "indirect", "mixed"]
# A reviewer's verdict, on a published six-point scale (worst to best; "unproven" is off the scale).
Verdict = Literal["false", "mostly-false", "mixed", "mostly-true", "true", "unproven"]
VERDICTS: tuple[Verdict, ...] = ("false", "mostly-false", "mixed", "mostly-true", "true", "unproven")


def _jsonable(value: Any) -> Any:
    """Convert dataclass field values into JSON-friendly values."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Record) and type(value).to_dict is not Record.to_dict:
        return value.to_dict()  # a record with its own JSON shape (e.g. Event's "from")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


class Record:
    """Mixin giving every record a JSON-ready dict view."""

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-serialisable dict."""
        assert dataclasses.is_dataclass(self)
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


_WS = re.compile(r"\s+")


def normalise_for_hash(text: str) -> str:
    """Collapse whitespace and case so trivial re-formatting hashes the same."""
    return _WS.sub(" ", text).strip().lower()


def content_hash(text: str) -> str:
    """Stable SHA-256 of an article's normalised text (the idempotency key)."""
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()


@dataclass
class Article(Record):
    """A cleaned news article with its metadata, as produced by ingest."""

    text: str
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: datetime | None = None
    url: str | None = None
    origin: str = ""  # where it came from: file path (+ line/row), feed or URL
    language: str | None = None
    id: int | None = None  # assigned by the store
    duplicate_of: int | None = None  # near-duplicate (syndicated copy) of this article id
    version: int = 1

    @property
    def content_hash(self) -> str:
        """Hash of the normalised text; identical texts are stored once."""
        return content_hash(self.text)


@dataclass
class Entity(Record):
    """A named entity span in an article."""

    text: str
    label: str
    start: int
    end: int


@dataclass
class Sentence(Record):
    """A sentence with its character offsets in the article text."""

    text: str
    start: int
    end: int


@dataclass
class Attribution(Record):
    """Who said what: one attributed statement in an article."""

    source: str
    cue: str
    content: str
    kind: QuoteKind = "indirect"
    hedged: bool = False
    denial: bool = False
    confirmation: bool = False
    channel: str | None = None
    source_start: int = -1
    source_end: int = -1
    cue_start: int = -1
    cue_end: int = -1
    content_start: int = -1
    content_end: int = -1
    sentence_index: int = -1
    resolved_from: str | None = None  # the pronoun or role noun this source was resolved from, if any
    source_role: str | None = None  # the role set off beside a named source ("the health ministry's spokesman")


@dataclass
class CheckworthyClaim(Record):
    """A check-worthy sentence found in an article, linked to its attribution if any."""

    text: str
    score: float
    start: int
    end: int
    attribution_index: int | None = None


@dataclass
class Analysis(Record):
    """Everything `analyze` finds in one article."""

    text: str
    sentences: list[Sentence] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    attributions: list[Attribution] = field(default_factory=list)
    claims: list[CheckworthyClaim] = field(default_factory=list)


@dataclass
class Claim(Record):
    """A tracked claim (e.g. a rumour headline)."""

    text: str
    id: int | None = None
    created: datetime | None = None
    origin: str = "manual"
    updated: datetime | None = None  # last edit of its text, if any


@dataclass
class Evidence(Record):
    """A sentence of an article that supports a stance decision."""

    text: str
    score: float
    start: int = -1
    end: int = -1


@dataclass
class StanceResult(Record):
    """The stance of one article towards one claim, with its evidence."""

    label: StanceLabel
    probabilities: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)
    claim_id: int | None = None
    article_id: int | None = None
    model_version: str = ""
    similarity: float | None = None  # best claim-sentence cosine similarity (the retrieval score)


ClaimStatus = Literal["unverified", "disputed", "confirmed", "denied"]
CLAIM_STATUSES: tuple[ClaimStatus, ...] = ("unverified", "disputed", "confirmed", "denied")


@dataclass
class SourceMention(Record):
    """A source that took a position on a claim, as found in one article's attributions."""

    source: str
    cue: str
    content: str
    article_id: int
    outlet: str | None = None
    channel: str | None = None
    hedged: bool = False
    denial: bool = False
    confirmation: bool = False
    role: str | None = None  # the role written beside the source's name ("the health ministry's spokesman")


@dataclass
class DossierEntry(Record):
    """One article in a claim's dossier (an original; its syndicated copies are collapsed into it)."""

    article_id: int
    title: str | None
    outlet: str | None
    published: datetime | None
    url: str | None
    stance: StanceLabel
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    attributions: list[Attribution] = field(default_factory=list)
    hedged: bool = False  # the article reports the claim with hedges ("reportedly", "said to")
    copies: list[int] = field(default_factory=list)  # syndicated copies (near-duplicates) of this article
    copy_outlets: list[str] = field(default_factory=list)
    machine_stance: StanceLabel | None = None  # the model's label, when a reviewer corrected `stance`
    corrected_by: str | None = None  # who corrected the stance
    uncertain: bool = False  # the model's confidence is under the status rules' threshold: not a firm stance
    opposite: bool = False  # the model labelled it agree or discuss, but its evidence states the claim's opposite
    counted_as: Literal["agree", "disagree", "discuss", "uncertain", "none"] = "none"  # how the status rules counted it


@dataclass
class StatusInputs(Record):
    """What the status rules look at: independent articles by the side they are counted on (`DossierEntry.counted_as`:
    uncertain ones apart), and who spoke against or for the claim (direction-checked)."""

    agree: int = 0
    disagree: int = 0
    discuss: int = 0
    agree_hedged: int = 0
    reporters: list[str] = field(default_factory=list)  # sources that reported it
    hedged_reports: int = 0  # reports of it that were hedged ("said to", "reportedly", "unconfirmed")
    denials: list[str] = field(default_factory=list)  # sources that spoke against the claim (a denial, or confirming its opposite)
    confirmations: list[str] = field(default_factory=list)  # sources that spoke for it (a confirmation, or denying its opposite)
    uncertain: int = 0  # articles whose stance confidence is under the threshold (counted on no side)
    opposite: int = 0  # articles the model labelled agree or discuss whose evidence states the claim's opposite (StatusRules.opposite_as)
    opposite_labels: list[str] = field(default_factory=list)  # the model's labels of those articles ("agree", "discuss")
    reversed: list[str] = field(default_factory=list)  # sources whose denial or confirmation was the other way round for the claim
    # the strongest evidence per side, 'outlet: "sentence"' ("agree", "disagree", "discuss", "uncertain"), and the
    # strongest source quoted against and for the claim ("against", "for"): 'source (cue "content")'
    examples: dict[str, str] = field(default_factory=dict)
    min_confidence: float = 0.0  # the confidence threshold the counts were made with


@dataclass
class Dossier(Record):
    """Everything known about one claim: articles, sources, stances over time, status and why."""

    claim: Claim
    status: ClaimStatus
    reasons: list[str]
    inputs: StatusInputs
    entries: list[DossierEntry] = field(default_factory=list)
    first_appearance: DossierEntry | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)  # [{"date": "2014-09-16", "agree": 1, ...}]
    reported_by: list[SourceMention] = field(default_factory=list)
    confirmed_by: list[SourceMention] = field(default_factory=list)
    denied_by: list[SourceMention] = field(default_factory=list)
    stance_counts: dict[str, int] = field(default_factory=dict)
    history: list[Event] = field(default_factory=list)  # status changes and new denying/confirming sources, newest first
    review: Review | None = None  # the latest human verdict (the machine status stays beside it)
    audit: list[AuditEntry] = field(default_factory=list)  # every human change, newest first
    excluded: list[int] = field(default_factory=list)  # articles a reviewer excluded from this claim
    entries_total: int = 0  # all entries; `entries` is the requested page of them
    first_appearance_certain: bool = True  # False when undated articles may be older than the first dated one
    first_appearance_note: str = ""  # why the first appearance is (or is not) certain


@dataclass
class ArticleFailure(Record):
    """A stored article that a stage could not process; it is marked failed and retried by later runs."""

    article_id: int
    stage: Literal["analysis", "match"]
    reason: str


@dataclass
class AnalysisReport(Record):
    """Outcome of extracting attributions from stored articles."""

    analysed: int = 0
    failed: list[ArticleFailure] = field(default_factory=list)


@dataclass
class MatchReport(Record):
    """Outcome of matching articles against claims."""

    pairs: int = 0  # (claim, article) pairs scored in this run
    classified: int = 0  # of which passed retrieval and went through the stance model
    related: int = 0  # of which the model found related (agree / disagree / discuss)
    failed: list[ArticleFailure] = field(default_factory=list)


@dataclass
class IngestFailure(Record):
    """An item that could not be ingested, with a message a user can act on."""

    origin: str
    reason: str


@dataclass
class IngestReport(Record):
    """Outcome of one ingest batch."""

    ingested: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # exact re-ingests (already stored)
    near_duplicates: list[tuple[int, int]] = field(default_factory=list)  # (new id, original id)
    new_versions: list[int] = field(default_factory=list)
    failed: list[IngestFailure] = field(default_factory=list)

    def summary(self) -> str:
        """One human line: counts of ingested / duplicates / failed."""
        return (
            f"ingested {len(self.ingested)} / duplicates {len(self.duplicates)} "
            f"/ syndicated copies {len(self.near_duplicates)} / new versions {len(self.new_versions)} "
            f"/ failed {len(self.failed)}"
        )


@dataclass
class RunReport(Record):
    """Outcome of one pipeline run: what was stored, analysed and matched, and what failed where."""

    ingest: IngestReport = field(default_factory=IngestReport)
    analysis: AnalysisReport = field(default_factory=AnalysisReport)
    match: MatchReport = field(default_factory=MatchReport)
    evaluated: int = 0  # claims whose status was re-evaluated after matching
    events: list[Event] = field(default_factory=list)  # status changes and new denying/confirming sources recorded

    @property
    def ok(self) -> bool:
        """True when no item and no stored article failed."""
        return not (self.ingest.failed or self.analysis.failed or self.match.failed)

    def summary(self) -> str:
        """One human line per stage that did something."""
        lines = [self.ingest.summary()]
        if self.analysis.analysed or self.analysis.failed:
            lines.append(f"analysed {self.analysis.analysed} articles / analysis failed {len(self.analysis.failed)}")
        if self.match.pairs or self.match.failed:
            lines.append(f"matched {self.match.pairs} pairs ({self.match.related} related) / matching failed {len(self.match.failed)}")
        return "\n".join(lines)


@dataclass
class Source(Record):
    """A watched feed, page or file and its polling state."""

    url: str
    every_s: int
    id: int | None = None
    name: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_poll: datetime | None = None


@dataclass
class Event(Record):
    """A change of a claim: its status moved (kind "status"), or new sources denied or confirmed it (kind "sources")."""

    claim_id: int
    kind: Literal["status", "sources"]
    to: str
    at: datetime | None = None
    id: int | None = None
    from_: str | None = None
    reasons: list[str] = field(default_factory=list)
    articles: list[int] = field(default_factory=list)
    new_denials: list[str] = field(default_factory=list)
    new_confirmations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: `from`, `to`, `at`, `reasons`, `articles` (+ kind, claim and the new sources)."""
        d = super().to_dict()
        d["from"] = d.pop("from_")
        return d


@dataclass
class Alert(Record):
    """A webhook receiving the events of one claim, or of every claim (claim_id None)."""

    webhook: str
    id: int | None = None
    claim_id: int | None = None
    signed: bool = False


@dataclass
class CycleReport(Record):
    """One poll cycle of the watcher."""

    sources_polled: int = 0
    not_modified: int = 0
    failed: list[IngestFailure] = field(default_factory=list)
    articles_new: int = 0
    claims_reevaluated: int = 0
    events: list[Event] = field(default_factory=list)
    deliveries: dict[str, int] = field(default_factory=dict)
    proposed_claims: list[str] = field(default_factory=list)
    added_claims: list[int] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Review(Record):
    """A reviewer's verdict on a claim, with a note; the newest one is the claim's verdict."""

    claim_id: int
    verdict: Verdict
    by: str
    note: str = ""
    at: datetime | None = None
    id: int | None = None


@dataclass
class StanceCorrection(Record):
    """A reviewer's stance for one (claim, article) pair: it replaces the model's label and survives re-matching."""

    claim_id: int
    article_id: int
    label: StanceLabel
    by: str
    at: datetime | None = None


@dataclass
class AuditEntry(Record):
    """One human change to a claim, kept forever: who, when, what (action) and the values before and after."""

    claim_id: int
    action: Literal["review", "stance", "exclude", "include", "edit", "delete", "restore"]
    by: str
    at: datetime | None = None
    id: int | None = None
    article_id: int | None = None
    before: str | None = None
    after: str | None = None
    note: str = ""


@dataclass
class ClaimSummary(Record):
    """A row of the claims list: the claim, its machine status, the human verdict and its activity."""

    claim: Claim
    status: ClaimStatus
    articles: int = 0  # independent related articles
    verdict: Verdict | None = None
    last_change: datetime | None = None


@dataclass
class OutletRecord(Record):
    """How one outlet handled the claims it wrote about: first reports, agreement and disagreement, and how each ended."""

    outlet: str
    articles: int = 0
    first: list[dict[str, Any]] = field(default_factory=list)  # [{"claim_id", "claim", "outcome"}] claims it reported first
    agreed: list[dict[str, Any]] = field(default_factory=list)
    disagreed: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ArticleClaim(Record):
    """One claim an article is about, as the article's page shows it: the stance after review (`label`),
    the model's result, the reviewer's correction and whether a reviewer excluded the article."""

    claim: Claim
    label: StanceLabel
    stance: StanceResult | None = None  # the model's result (None: the model never related them)
    correction: StanceCorrection | None = None
    excluded: bool = False

    @property
    def confidence(self) -> float | None:
        """The model's probability for its own label (None when the model never related them)."""
        return self.stance.probabilities.get(self.stance.label, 0.0) if self.stance else None
