"""The dossier of a claim: its articles (copies collapsed), sources, stances over time, status and reasons.

Serving builds dossiers from what is stored (stances with their evidence, attributions, reviews) and
never loads spaCy or a model: the checks below are text rules over stored sentences.

Every denial and confirmation linked to the claim is checked against the claim's direction: a source
that confirms the claim's opposite ("Sorkin confirmed that Bale would be playing" for "Christian Bale
will not play Steve Jobs") speaks against it, and one that denies the opposite speaks for it. An
article the model labelled agree or discuss whose best restatement of the claim has the opposite polarity
("So the Batmobile isn't stolen" for "The Batmobile was stolen") is flagged `opposite` and counted as
the status rules say (`StatusRules.opposite_as`). Stances whose
probability is under `StatusRules.min_confidence` are `uncertain` and counted on no side. A reviewer's
stance correction replaces the model's label (certain: confidence 1.0); excluded articles are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Literal

from claimwatch.attribution.lexicon import headline_hedged, lexicon
from claimwatch.records import (
    Article,
    Attribution,
    Dossier,
    DossierEntry,
    Evidence,
    SourceMention,
    StanceCorrection,
    StanceResult,
    StatusInputs,
)
from claimwatch.store import Store
from claimwatch.track.status import DEFAULT_RULES, StatusRules, decide_status

# A denial or confirmation usually follows (or precedes) the report it answers, in the next sentence
# or two, and shares few words with the claim: look this far around the evidence sentences for one.
RESPONSE_WINDOW = 400
QUOTE_CHARS = 160  # longest evidence quote in a reason

_WORD = re.compile(r"[a-z0-9][a-z0-9'’]*")
_WORD_CASED = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")
_STOP = frozenset(
    """the and that this with for from has have had was were will would said says say its his her their they them not
    but are been being which who whom what when where there than then also into over about after before could
    should may might must can did does done just more most some such only other any all new is be to of in on at
    by as an or it he she we you our your i a no yet still now""".split()  # noqa: SIM905 (a word list reads better as words)
)
# A response names what it answers: "denied that report", "called the story false", "confirmed it".
_REPORT_NOUN = re.compile(
    r"\b(the|that|this|these|those|such|any|its|their|his|her)\s+(\w+\s+)?"
    r"(reports?|story|stories|claims?|rumou?rs?|allegations?|accounts?|speculation|news)\b",
    re.IGNORECASE,
)
_DEICTIC = re.compile(r"\b(it|this|that|these|those|so)\b", re.IGNORECASE)
SHORT_RESPONSE = 8  # words: "But that is not the case", "it was not true"

# Polarity: words that negate what follows, and verbs whose complement did not or will not happen.
_NEGATORS = frozenset(
    ["not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot"]
)  # not "without": it negates a modifier
_REVERSAL = re.compile(
    r"\b(den(y|ies|ied|ying)|refus(e|es|ed|ing) to|rul(e|es|ed|ing) out|no longer|fail(s|ed|ing)? to|call(s|ed|ing)? off"
    r"|cancel(s|led|ed|ling|ing)?|(back|drop|dropp|pull|bow)(s|ed|ing)? out of|(backed|dropped|pulled|bowed) out)\b",
    re.IGNORECASE,
)
# Words that call what they are about false ("a hoax", "the story is fake"): they negate the whole sentence.
_FALSITY = re.compile(
    r"\b(hoax(es)?|false(ly)?|fake[ds]?|faking|untrue|not true|not real|never happened|did not happen|didn't happen|made up"
    r"|fabricat(ed|ion)|doctored|photoshopped|debunk(s|ed|ing)?|myths?|satire|satirical|no evidence|no truth|baseless|unfounded)\b",
    re.IGNORECASE,
)
# Words that may say "will not" in other terms ("has withdrawn from the role", "decided to pass on the part") or
# set a contrast ("Though Bale was in talks to play Jobs, …"): a text with one of them is never read as the positive
# opposite of a negated claim.
_OTHER_NEGATION = re.compile(
    r"\b(withdr[ae]w\w*|drop(s|ped|ping)? (out|from)|pass(es|ed|ing)? on|part(s|ed|ing)? ways|exit\w*|quit\w*|left|leav(e|es|ing)"
    r"|step(s|ped|ping)? (down|aside)|turn(s|ed|ing)? (it )?down|walk(s|ed|ing)? away|abandon\w*|scrap\w*|scratch\w*|replac\w*"
    r"|instead|though|although|rather than|no longer|ditch\w*|reject\w*|declin\w*)\b",
    re.IGNORECASE,
)
_INTERJECTION = re.compile(r"^\W*no\s*[,.!:;—–-]", re.IGNORECASE)  # "No, a spider did not burrow…": emphasis, not a second negation
NEGATION_REACH = 2  # a negator negates a shared word at most this many words after it ("will not be playing")


def stem(word: str) -> str:
    """A light stem: plural, -ing, -ed or a final e stripped, then 5 letters ("playing" = "play", "agreed" = "agree")."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        return w[:-2][:5]  # "agreed" = "agre", as "agree"
    elif w.endswith("es") and len(w) > 4 and w[-3] in "sxz":
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w[:5]


def _stems(text: str) -> set[str]:
    """Content-word stems of a text."""
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _negations(tokens: list[str], shared: set[str] | None) -> int:
    """Negators that reach a shared word ("not be playing", "no spider"; not "doesn't need an island in Sweden"),
    or any content word with `shared` None, and reversal verbs ("pulled out of", "denied") among the tokens."""
    hits = [i for i, t in enumerate(tokens) if t not in _STOP and (stem(t) in shared if shared is not None else len(t) > 2)]
    n = 0
    for i, t in enumerate(tokens):
        if (t in _NEGATORS or t.endswith("n't")) and any(i < h <= i + NEGATION_REACH for h in hits):
            n += 1
    return n + len(_REVERSAL.findall(" ".join(tokens)))


def _falsity(text: str) -> tuple[int, str]:
    """Falsity markers of a text ("hoax", "not true", "no evidence") and the text without them."""
    return len(_FALSITY.findall(text)), _FALSITY.sub(" ", text)


def _region(tokens: list[str], shared: set[str]) -> list[str] | None:
    """The tokens spanning the words shared with the other text (plus the words that can negate the first),
    or None with fewer than two."""
    at = [i for i, t in enumerate(tokens) if t not in _STOP and stem(t) in shared]
    if len({stem(tokens[i]) for i in at}) < 2:
        return None
    return tokens[max(0, at[0] - NEGATION_REACH) : at[-1] + 1]


def negated(text: str, shared: set[str], any_word: bool = False) -> bool | None:
    """Does the text negate the part of it that shares the words in `shared`? None when it shares fewer than two.
    A negator counts when it reaches a shared word, or (`any_word`, for the claim itself, whose words are all
    about it) any content word: "Bale will not play Jobs" is negated also against a text without "play". Falsity
    markers anywhere in the text count as a negation ("the report that X is false")."""
    falsity, rest = _falsity(text)
    if _INTERJECTION.match(rest):
        rest = _INTERJECTION.sub(" ", rest, count=1)
    region = _region(_tokens(rest), shared)
    if region is None:
        return None
    return (_negations(region, None if any_word else shared) + falsity) % 2 == 1


@lru_cache(maxsize=256)
def anchors(claim: str) -> frozenset[str]:
    """The claim's subject, roughly: its first run of capitalised content words ("Christian Bale", "Boko Haram"),
    with the next content word when that run is a single word, which may only be capitalised as the first word
    ("Tropical spider"); its first two content words when it starts in lower case."""
    words = [(m.group(), m.group()[0].isupper()) for m in _WORD_CASED.finditer(claim)]
    content = [(w, upper) for w, upper in words if w.lower() not in _STOP and len(w) > 2]
    if not content:
        return frozenset()
    run = [content[0][0]]
    if content[0][1]:
        for w, upper in content[1:]:
            if not upper:
                break
            run.append(w)
    if len(run) == 1 and len(content) > 1:
        run.append(content[1][0])
    return frozenset(stem(w) for w in run)


def _restates(claim: str, shared: set[str]) -> bool:
    """Do the shared content words restate the claim: two or more, the claim's subject among them?"""
    return len(shared) >= 2 and bool(shared & anchors(claim))


Polarity = Literal["same", "opposite", "unclear", "unrelated"]


def polarity(claim: str, text: str, min_share: float = 0.0) -> Polarity:
    """How `text` stands to the claim: "same" or "opposite" polarity over the words they share; "unrelated" when it
    does not restate the claim (fewer than two shared content words, none of them the claim's subject: "Christian
    Bale will not play Jobs" says nothing of "Michael Fassbender will play Jobs"; or less than `min_share` of the
    claim's content words); "unclear" when it restates it but these rules cannot tell the polarity."""
    claim_stems = _stems(claim)
    shared = claim_stems & _stems(text)
    if not _restates(claim, shared) or len(shared) < min_share * len(claim_stems):
        return "unrelated"
    mine, theirs = negated(claim, shared, any_word=True), negated(text, shared)
    if mine is None or theirs is None:
        return "unrelated"
    if mine and not theirs:
        # "X will not play Y" against a text without "not": the absence of a negation is weak evidence, so the text
        # must have the very word the claim negates ("play") and nothing that may negate it in other words
        keys = _negated_words(claim)
        if _OTHER_NEGATION.search(text) or (keys and not keys & _stems(text)):
            return "unclear"
    return "opposite" if mine != theirs else "same"


def states_opposite(claim: str, text: str, min_share: float = 0.0) -> bool | None:
    """Does `text` state the claim's opposite? True / False, None when it does not restate the claim or the
    polarity is unclear (`polarity`)."""
    found = polarity(claim, text, min_share)
    return None if found in ("unrelated", "unclear") else found == "opposite"


def _claim_negated(claim: str) -> bool:
    """Is the claim itself a negative statement ("X will not play Y", "the meteorite was a hoax")?"""
    return bool(_negated_words(claim)) or bool(_FALSITY.search(claim))


@lru_cache(maxsize=256)
def _negated_words(claim: str) -> frozenset[str]:
    """Stems of the first content word after each negator of the claim ("will not play" -> "play")."""
    tokens = _tokens(claim)
    found = set()
    for i, t in enumerate(tokens):
        if t in _NEGATORS or t.endswith("n't"):
            following = [w for w in tokens[i + 1 : i + 1 + NEGATION_REACH + 1] if w not in _STOP and len(w) > 2]
            if following:
                found.add(stem(following[0]))
    return frozenset(found)


@lru_cache(maxsize=1)
def _denial_cue() -> re.Pattern[str]:
    """Cues that deny their content ("denied", "ruled out", "echoed the denial"), from the attribution lexicon."""
    lex = lexicon()
    roots = sorted({lemma[:-1] if lemma[-1] in "ey" else lemma for lemma in lex.denial}, key=len, reverse=True)
    phrasal = sorted(lex.denial_phrasal, key=len, reverse=True)
    parts = [re.escape(r) + r"\w*" for r in roots]
    parts += [
        re.escape(p.split()[0][:-1] if p.split()[0][-1] in "ey" else p.split()[0]) + r"\w* " + re.escape(p.split()[-1]) for p in phrasal
    ]
    return re.compile(r"\b(" + "|".join(parts) + r"|denial)\b", re.IGNORECASE)


def response_direction(a: Attribution, claim: str, referent: str | None = None) -> Literal["for", "against", "unclear"]:
    """Which way a denial or confirmation speaks for the claim. A confirmation of the claim's opposite is against
    it; a denial of the opposite is for it ("denied that Bale would play", for "Bale will not play"). A response
    that only refers back ("denied that report") answers its `referent` (the sentence before it), so it is turned
    round when that sentence states the claim's opposite. A denial flagged from falsity words in its content
    ("said the report was false") carries its negation in the content: it is for the claim only when these rules
    see that negation and it matches the claim's. "unclear" when the content restates the claim but its polarity
    cannot be told ("confirmed that Seth Rogen will star opposite Christian Bale", for "Bale will not play Jobs")."""
    labelled: Literal["for", "against"] = "against" if a.denial else "for"
    found = polarity(claim, a.content)
    if found == "unclear":
        return "unclear"
    if found == "unrelated":
        # "Reports said Bale would play. Sony denied the report." answers a report of the opposite of "Bale will
        # not play"; after "Apple has no plans to build a car", "a spokesman dismissed the reports" still answers
        # the reports of the claim, so only a positive report of a negated claim's opposite turns it round
        if referent is not None and _claim_negated(claim) and states_opposite(claim, referent, min_share=0.5):
            return "for" if labelled == "against" else "against"
        return labelled
    opposite = found == "opposite"
    if not a.denial:
        return "against" if opposite else "for"
    if _denial_cue().search(a.cue):
        return "for" if opposite else "against"
    return "for" if not opposite and _FALSITY.search(a.content) else "against"


def _span(a: Attribution) -> tuple[int, int]:
    starts = [x for x in (a.source_start, a.cue_start, a.content_start) if x >= 0]
    ends = [x for x in (a.source_end, a.cue_end, a.content_end) if x >= 0]
    return (min(starts), max(ends)) if starts and ends else (-1, -1)


def referent(a: Attribution, evidence: list[Evidence]) -> Evidence | None:
    """The evidence sentence a response refers back to: the nearest one ending before it, within RESPONSE_WINDOW."""
    start, _ = _span(a)
    before = [ev for ev in evidence if 0 <= ev.end <= start + 1 and ev.end > start - RESPONSE_WINDOW]
    return max(before, key=lambda ev: ev.end, default=None)


def about_claim(a: Attribution, claim_stems: set[str], claim: str = "", refers_to: str | None = None) -> bool:
    """Is a denial or confirmation about the claim? Its content shares at least two content words with the claim,
    or it refers back ("denied that report", "but that is not the case") to a sentence that restates the claim
    (`refers_to`, when known); "ruled out direct contacts" near a report of military cooperation is context, and
    "that is not the case" after a sentence about something else answers that, not the claim."""
    shared = _stems(a.content) & claim_stems
    if _restates(claim, shared) if claim else len(shared) >= 2:
        return True
    refers_back = bool(_REPORT_NOUN.search(a.content)) or (len(a.content.split()) <= SHORT_RESPONSE and bool(_DEICTIC.search(a.content)))
    if not refers_back:
        return False
    return refers_to is None or not claim or polarity(claim, refers_to, min_share=0.5) != "unrelated"


def linked_attributions(attributions: list[Attribution], evidence: list[Evidence], claim: str | None = None) -> list[Attribution]:
    """Attributions that state the evidence (overlap an evidence sentence), and denials or confirmations near it.
    With the claim's text, a denial or confirmation is linked only when it is about the claim (`about_claim`)."""
    linked = []
    claim_stems = _stems(claim) if claim else set()
    for a in attributions:
        start, end = _span(a)
        if start < 0:
            continue
        if claim and (a.denial or a.confirmation):
            before = referent(a, evidence)
            if not about_claim(a, claim_stems, claim, before.text if before else None):
                continue
        for ev in evidence:
            if ev.start < 0:
                continue
            overlaps = start < ev.end and ev.start < end
            near = (a.denial or a.confirmation) and start < ev.end + RESPONSE_WINDOW and ev.start - RESPONSE_WINDOW < end
            if overlaps or near:
                linked.append(a)
                break
    return linked


def hedges_report(attribution: Attribution, evidence: list[Evidence]) -> bool:
    """Does a linked attribution make the article a hedged report of the claim? A hedged one with a source does
    ("officials reportedly said", "X is said to have confirmed"); an agentless one ("the man is thought to have
    slapped a woman") only in the sentence that states the claim best: a hedge on a detail is not a hedged report."""
    if not attribution.hedged or attribution.denial:
        return False
    if attribution.source:
        return True
    top = max(evidence, key=lambda ev: ev.score, default=None)
    start, end = _span(attribution)
    return top is not None and top.start >= 0 and start < top.end and top.start < end


def entry_order(entry: DossierEntry) -> tuple[int, datetime, int]:
    """Dated articles first, oldest first; undated by id (ingest order)."""
    if entry.published is None:
        return (1, datetime.max, entry.article_id)
    return (0, entry.published.replace(tzinfo=None), entry.article_id)


def _restating(evidence: list[Evidence], claim: str) -> tuple[Evidence, bool] | None:
    """The best-scored of the first evidence sentences that restate the claim (its subject and half its content
    words or more), and whether it states the opposite (False also when these rules cannot tell)."""
    claim_stems = _stems(claim)
    for ev in sorted(evidence[:4], key=lambda e: -e.score):
        shared = claim_stems & _stems(ev.text)
        if _restates(claim, shared) and len(shared) >= 0.5 * len(claim_stems):
            return ev, bool(states_opposite(claim, ev.text))
    return None


def make_entry(
    article: Article,
    stance: StanceResult | None,
    attributions: list[Attribution],
    claim: str,
    rules: StatusRules = DEFAULT_RULES,
    correction: StanceCorrection | None = None,
) -> DossierEntry:
    """One dossier entry: the effective stance (a reviewer's correction, else the model's), its confidence,
    whether it is uncertain or states the claim's opposite, and how the status rules count it."""
    assert article.id is not None
    evidence = stance.evidence if stance is not None else []
    machine = stance.label if stance is not None else None
    if correction is not None:
        label, confidence = correction.label, 1.0
    else:
        assert stance is not None and machine is not None
        label, confidence = machine, stance.probabilities.get(machine, 0.0)
    linked = linked_attributions(attributions, evidence, claim)
    hedged = bool(article.title and headline_hedged(article.title)) or any(hedges_report(a, evidence) for a in linked)
    restated = _restating(evidence, claim) if correction is None and label in ("agree", "discuss") else None
    entry = DossierEntry(
        article_id=article.id,
        title=article.title,
        outlet=article.outlet,
        published=article.published,
        url=article.url,
        stance=label,
        confidence=round(confidence, 4),
        evidence=evidence,
        attributions=linked,
        hedged=hedged,
        machine_stance=machine if correction is not None else None,
        corrected_by=correction.by if correction is not None else None,
        opposite=bool(restated and restated[1]),
    )
    return count_entry(entry, rules)


def count_entry(entry: DossierEntry, rules: StatusRules = DEFAULT_RULES) -> DossierEntry:
    """Set how the status rules count an entry: a reviewer's label as it is; a model label stating the claim's
    opposite as `rules.opposite_as`; a model label under `rules.min_confidence` as uncertain."""
    corrected = entry.corrected_by is not None
    entry.uncertain = not corrected and entry.stance != "unrelated" and entry.confidence < rules.min_confidence
    if entry.stance == "unrelated":
        entry.counted_as = "none"
    elif entry.opposite and not corrected:
        entry.counted_as = rules.opposite_as
    elif entry.uncertain:
        entry.counted_as = "uncertain"
    else:
        entry.counted_as = entry.stance
    return entry


def _best_sentence(entry: DossierEntry, claim: str) -> tuple[int, Evidence | None]:
    """The entry's sentence that best shows the side it is counted on, and how well (2: it restates the claim
    with that side's polarity, 1: it does not restate the claim, 0: it restates it with the other polarity)."""
    evidence = sorted(entry.evidence[:4], key=lambda e: -e.score)
    want_opposite = entry.counted_as == "disagree"
    fallback: tuple[int, Evidence | None] = (0, evidence[0] if evidence else None)
    for ev in evidence:
        opposite = states_opposite(claim, ev.text)
        if opposite is None:
            fallback = max(fallback, (1, ev), key=lambda f: f[0])
        elif opposite == want_opposite:
            return 2, ev
    return fallback


def _shorten(text: str, limit: int) -> str:
    """Text on one line, cut at a word boundary to fit `limit` characters (with the ellipsis)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _quote(entry: DossierEntry, sentence: Evidence | None) -> str:
    """A sentence of the entry quoted with its outlet (or title, or id)."""
    where = entry.outlet or (f"“{entry.title}”" if entry.title else f"article #{entry.article_id}")
    return where if sentence is None else f'{where}: "{_shorten(sentence.text, QUOTE_CHARS)}"'


def _mention_quote(m: SourceMention, shown: dict[str, str] | None = None) -> str:
    return f'{(shown or {}).get(m.source, m.source)} ({m.cue} "{_shorten(m.content, 100)}")'


def status_inputs(
    entries: list[DossierEntry],
    reported: list[SourceMention],
    against: list[SourceMention],
    supporting: list[SourceMention],
    claim: str,
    rules: StatusRules = DEFAULT_RULES,
) -> StatusInputs:
    """What the status rules read: independent articles by the side they are counted on, with the strongest
    evidence quoted per side, and the sources that spoke against or for the claim (direction-checked)."""
    counts = Counter(e.counted_as for e in entries)
    examples: dict[str, str] = {}
    for side in ("agree", "disagree", "discuss", "uncertain"):
        on_side = [e for e in entries if e.counted_as == side]
        if not on_side:
            continue
        # a reviewer's stance first, then (for agree and disagree) a sentence that shows the side, then confidence;
        # each entry's best sentence is found once
        fit = {e.article_id: _best_sentence(e, claim) for e in on_side} if side in ("agree", "disagree") else {}
        best = max(on_side, key=lambda e: (e.corrected_by is not None, fit[e.article_id][0] if fit else 0, e.confidence, -e.article_id))
        examples[side] = _quote(best, (fit.get(best.article_id) or _best_sentence(best, claim))[1])
    reversed_ = [m for m in against if m.confirmation and not m.denial] + [m for m in supporting if m.denial]
    shown = source_names(m.source for m in [*reported, *against, *supporting])  # one name per person
    for side, said in (("against", against), ("for", supporting)):
        if said:
            # the strongest: an unhedged one, a reversed one (the reader needs to see why), then the first
            strongest = min(said, key=lambda m: (m.hedged, m not in reversed_))
            examples[side] = _mention_quote(strongest, shown)
    return StatusInputs(
        agree=counts["agree"],
        disagree=counts["disagree"],
        discuss=counts["discuss"],
        agree_hedged=sum(1 for e in entries if e.counted_as == "agree" and e.hedged),
        reporters=distinct_sources((m.source for m in reported), shown),
        hedged_reports=sum(1 for e in entries if e.hedged and e.counted_as != "disagree"),
        denials=distinct_sources((m.source for m in against), shown),
        confirmations=distinct_sources((m.source for m in supporting), shown),
        uncertain=counts["uncertain"],
        opposite=sum(1 for e in entries if e.opposite),
        opposite_labels=[label for label in ("agree", "discuss") if any(e.opposite and e.stance == label for e in entries)],
        reversed=distinct_sources((m.source for m in reversed_), shown),
        examples=examples,
        min_confidence=rules.min_confidence,
    )


def source_names(names: Iterable[str]) -> dict[str, str]:
    """Each source name mapped to the name it is shown under: a name that is the end of a longer one ("Sorkin",
    "Aaron Sorkin" in "the movie's scriptwriter Aaron Sorkin") is the same person, shown under the longest."""
    unique = list(dict.fromkeys(n for n in names if n))
    words = {n: [x.lower() for x in n.split()] for n in unique}

    def longest(name: str) -> str:
        w = words[name]
        same = [o for o in unique if len(words[o]) > len(w) and words[o][-len(w) :] == w]
        return max(same, key=lambda o: len(words[o])) if same else name

    return {n: longest(n) for n in unique}


def distinct_sources(names: Iterable[str], shown: dict[str, str] | None = None) -> list[str]:
    """Source names once each, in order, each under the name it is shown under (`source_names`)."""
    names = [n for n in names if n]
    shown = shown or source_names(names)
    return list(dict.fromkeys(shown.get(n, n) for n in names))


def mentions(entries: list[DossierEntry], claim: str) -> tuple[list[SourceMention], list[SourceMention], list[SourceMention]]:
    """The sources in the entries' linked attributions: (reported it, spoke against it, spoke for it); a denial or
    confirmation goes to the side its direction check gives (`response_direction`), or with the reports when
    that direction is unclear."""
    reported: list[SourceMention] = []
    against: list[SourceMention] = []
    supporting: list[SourceMention] = []
    for e in entries:
        for a in e.attributions:
            if not a.source:
                continue
            mention = SourceMention(
                source=a.source,
                cue=a.cue,
                content=a.content,
                article_id=e.article_id,
                outlet=e.outlet,
                channel=a.channel,
                hedged=a.hedged,
                denial=a.denial,
                confirmation=a.confirmation,
                role=a.source_role,
            )
            if not (a.denial or a.confirmation):
                reported.append(mention)
                continue
            before = referent(a, e.evidence)
            direction = response_direction(a, claim, before.text if before else None)
            if direction == "unclear":
                reported.append(mention)  # it speaks of the claim, but which way these rules cannot tell
            elif direction == "against":
                against.append(mention)
            else:
                supporting.append(mention)
    return reported, against, supporting


def first_appearance(entries: list[DossierEntry]) -> tuple[DossierEntry | None, bool, str]:
    """The earliest-dated entry (entries sorted by `entry_order`), whether it is surely the first, and why."""
    if not entries:
        return None, True, ""
    undated = sum(1 for e in entries if e.published is None)
    first = entries[0]
    if first.published is None:
        return first, False, f"no article is dated: the first one stored is shown (of {len(entries)})"
    if undated:
        what = "an undated article" if undated == 1 else f"{undated} undated articles"
        return first, False, f"the earliest dated article; {what} may be older"
    return first, True, "the earliest dated article"


def _scored(store: Store, claim_id: int, article_ids: list[int]) -> dict[int, StanceResult]:
    """The model's stances (any label) of some articles towards a claim, in one query: the pairs a reviewer made
    related although the model scored them unrelated."""
    return {s.article_id: s for s in store.stances(claim_id=claim_id, article_ids=article_ids) if s.article_id is not None}


def build_dossier(store: Store, claim_id: int, rules: StatusRules = DEFAULT_RULES, offset: int = 0, limit: int | None = None) -> Dossier:
    """Assemble the dossier of one claim from stored stances, articles, attributions and reviews, in a fixed
    number of queries. Status, counts, first appearance, sources and timeline are over all entries; `entries`
    is the page [offset, offset + limit) of them (all with limit None)."""
    claim = store.get_claim(claim_id)
    stances = {s.article_id: s for s in store.stances(claim_id=claim_id, related_only=True) if s.article_id is not None}
    corrections = store.stance_corrections(claim_id)
    excluded = store.exclusions(claim_id)
    # a correction can make a pair related that the model scored unrelated (or never scored)
    missing = [a for a, c in corrections.items() if a not in stances and c.label != "unrelated"]
    if missing:
        stances.update(_scored(store, claim_id, missing))
    wanted = [a for a in {*stances, *missing} if a not in excluded and (a not in corrections or corrections[a].label != "unrelated")]
    articles = store.get_articles(wanted, with_text=False)
    attributions = store.attributions_of(articles)
    related_ids = set(articles)
    entries: dict[int, DossierEntry] = {}
    copies: list[tuple[int, Article]] = []
    for article_id in sorted(articles):
        article = articles[article_id]
        # A syndicated copy is collapsed into its original when the original is about the claim too.
        if article.duplicate_of is not None and article.duplicate_of in related_ids:
            copies.append((article.duplicate_of, article))
            continue
        entries[article_id] = make_entry(
            article, stances.get(article_id), attributions[article_id], claim.text, rules, corrections.get(article_id)
        )
    for original, article in copies:
        target = entries.get(original)
        if target is None:  # the original was itself a copy: attach to the entry that holds it
            target = next((e for e in entries.values() if original in e.copies), None)
        if target is not None and article.id is not None:
            target.copies.append(article.id)
            if article.outlet and article.outlet != target.outlet and article.outlet not in target.copy_outlets:
                target.copy_outlets.append(article.outlet)
    ordered = sorted(entries.values(), key=entry_order)
    reported, against, supporting = mentions(ordered, claim.text)
    inputs = status_inputs(ordered, reported, against, supporting, claim.text, rules)
    status, reasons = decide_status(inputs, rules)
    first, certain, note = first_appearance(ordered)
    reviews = store.reviews(claim_id)
    page = ordered[offset:] if limit is None else ordered[offset : offset + limit]
    return Dossier(
        claim=claim,
        status=status,
        reasons=reasons,
        inputs=inputs,
        entries=page,
        first_appearance=first,
        timeline=timeline(ordered),
        reported_by=reported,
        confirmed_by=supporting,
        denied_by=against,
        stance_counts=dict(Counter(e.stance for e in ordered)),
        history=store.events(claim_id),
        review=reviews[0] if reviews else None,
        audit=store.audit(claim_id),
        excluded=sorted(excluded),
        entries_total=len(ordered),
        first_appearance_certain=certain,
        first_appearance_note=note,
    )


def timeline(entries: list[DossierEntry]) -> list[dict[str, object]]:
    """Stance counts per publication day (undated articles are counted under "undated")."""
    days: dict[str, Counter[str]] = {}
    for e in entries:
        day = e.published.date().isoformat() if e.published else "undated"
        days.setdefault(day, Counter())[e.stance] += 1
    ordered = sorted(days, key=lambda d: (d == "undated", d))
    return [{"date": d, "agree": days[d]["agree"], "disagree": days[d]["disagree"], "discuss": days[d]["discuss"]} for d in ordered]


def build_dossiers(store: Store, rules: StatusRules = DEFAULT_RULES) -> list[Dossier]:
    """Dossiers of every tracked claim."""
    return [build_dossier(store, c.id, rules) for c in store.list_claims() if c.id is not None]
