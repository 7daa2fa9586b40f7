"""Attribution extraction with the real spaCy pipeline: the CSMonitor case, rules, and the gold-set floor."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimwatch.attribution.analyze import analyze_texts, headline_hedged
from claimwatch.ingest.clean import clean_text
from claimwatch.lab.bench_attribution import bench_attribution
from claimwatch.lab.eval_attribution import cue_match, source_match
from claimwatch.records import Attribution

GOLD = Path(__file__).resolve().parent.parent / "data" / "attribution_gold.jsonl"


def attributions(text: str) -> list[Attribution]:
    [analysis] = analyze_texts([text])
    return analysis.attributions


def find(items: list[Attribution], source_word: str, cue: str) -> Attribution:
    for a in items:
        if source_word.lower() in (a.resolved_from or a.source).lower() + " " + a.source.lower() and a.cue.lower().startswith(cue):
            return a
    raise AssertionError(f"no attribution {source_word!r}/{cue!r} in {[(a.source, a.cue) for a in items]}")


@pytest.fixture(scope="module")
def csm(
    csmonitor_path: Path = Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "articles"
    / "csmonitor-2014-iran-us-military-cooperation.txt",
) -> tuple[str, list[Attribution], str | None]:
    if not csmonitor_path.exists():
        pytest.skip("shared data not available")
    cleaned = clean_text(csmonitor_path.read_text("utf-8"))
    return cleaned.text, attributions(cleaned.text), cleaned.title


def test_csmonitor_chain_of_sources(csm: tuple[str, list[Attribution], str | None]) -> None:
    text, items, title = csm
    bbc = find(items, "The BBC", "reports")
    assert "Khamenei has approved joint military efforts" in bbc.content
    persian = find(items, "BBC Persian", "according to")
    assert "authorized to coordinate military operations" in persian.content
    find(items, "sources in Tehran", "citing")
    said_to = next(a for a in items if a.cue == "is said")
    assert said_to.hedged and said_to.source == ""
    denial = find(items, "A source close to Mr. Khamenei", "denied")
    assert denial.denial and denial.channel == "The New York Times' Tehran correspondent"
    echo = find(items, "government officials", "echoed")
    assert echo.denial and echo.cue == "echoed the denial"
    find(items, "Kerry", "said")
    zarean = find(items, "Asghar Zarean", "told")
    assert zarean.channel == "the Associated Press" and zarean.kind == "direct"
    commander = find(items, "peshmerga commander", "told")
    assert commander.channel == "Reuters"
    ruled = find(items, "Khamenei", "ruled out")  # "he ruled out direct contacts with the US": a denial, resolved
    assert ruled.resolved_from == "he" and ruled.denial
    he = next(a for a in items if a.resolved_from == "he" and a.source_start > commander.source_start)
    assert he.source == "a Kurdish peshmerga commander" and he.cue == "said"
    assert title is not None and headline_hedged(title)
    for a in items:  # offsets point at the mention in the text (the pronoun, for resolved sources)
        if a.source:
            assert text[a.source_start : a.source_end] == (a.resolved_from or a.source)
        assert text[a.cue_start : a.cue_end] == a.cue


def test_rules_on_small_cases() -> None:
    items = attributions(
        "The minister said on Monday that taxes would rise. "
        "“We will not back down,” the union leader told Reuters. "
        "Reports that the mayor resigned were false, a spokesman insisted. "
        "The company is said to have sold the unit. "
        "Police declined to comment. "
        "The ministry denied the report."
    )
    minister = find(items, "minister", "said")
    assert "taxes would rise" in minister.content and minister.kind == "indirect"
    leader = find(items, "union leader", "told")
    assert leader.kind == "direct" and leader.channel == "Reuters"
    assert find(items, "spokesman", "insisted").denial  # content says the reports were false
    hedge = next(a for a in items if a.cue == "is said")
    assert hedge.hedged
    assert not any(a.cue == "comment" for a in items)  # "declined to comment" is no statement
    ministry = find(items, "ministry", "denied")
    assert ministry.denial and not ministry.hedged


def test_nested_quotes_are_not_separate_attributions() -> None:
    items = attributions("“They told us the rats were gone, and we confirm it,” a source said.")
    assert [(a.source, a.cue) for a in items] == [("a source", "said")]


def test_matching_rules() -> None:
    assert cue_match("echoed", "echoed the denial") and cue_match("is said", "said") and not cue_match("said", "told")
    assert cue_match("has now confirmed", "confirmed") and cue_match("is widely believed", "is believed") and cue_match("reply", "reply")
    assert cue_match("may now be joking", "joking") and cue_match("did say", "say") and cue_match("was at least asserting", "asserting")
    assert cue_match("even had to debunk", "debunk")
    assert cue_match("has apparently claimed", "claimed") and cue_match("had earlier repeated", "repeated")
    assert cue_match("goes on to suggest", "suggest") and cue_match("confidently said", "said") and not cue_match("reply", "said")
    assert not cue_match("would deny", "confirm")
    assert source_match("Agency spokesman Edwin Donovan", "Edwin Donovan")
    assert not source_match("The Gaza Ministry of Interior", "a statement from the Coordinator")
    assert source_match("", "") and not source_match("", "he")
    assert source_match("WHO", "the WHO") and not source_match("officials who spoke", "those who left")
    assert source_match("the U.S.", "the U.S.") and not source_match("the U.S.", "us")  # a dotted acronym is a word
    assert source_match("the Post", "The Post", exact=True) and not source_match("Post", "the New York Post", exact=True)


# Floors pinned a little under the figures measured on the 32-article gold set (the rules were developed
# on it): lenient source+cue P 0.976 / R 0.982, exact F1 0.893; denial P 0.82 / R 0.90 (9 of 10 denials
# flagged); hedged P 0.80 / R 1.0. No predicted source is a bare place, date fragment, dateline or pronoun.
# After issue #17: P 0.970 / R 0.988, exact F1 0.894; denial P 0.75 / R 0.90 (two of the three unmatched
# denials say "there is no ..." of a claim: "insisted there's no rat issue"); hedged P 0.73 / R 1.0.
# Session 15: denial P 0.69, because "posted to clarify that she is in fact alive and well" (after reports of her
# capture) now counts as a denial, as the later sets' annotators count such answers; this set does not.
# Session 16: denial P 0.64, from two more negations counted as denials that this set does not count:
# "Iraq's interior ministry said a woman detained ... was not the wife of the Islamic State leader" (the
# story's opening sentence) and "the Detroit Free Press confirmed the Ben Affleck's ride had not been stolen".
def test_gold_set_floor() -> None:
    report = bench_attribution(GOLD, None)
    q = report["quality"]
    assert report["articles"] >= 30 and q["source_cue"]["gold"] >= 150
    assert q["source_cue"]["precision"] >= 0.95 and q["source_cue"]["recall"] >= 0.96, q
    assert q["source_cue_exact"]["f1"] >= 0.86, q
    assert q["denial"]["precision"] >= 0.6 and q["denial"]["recall"] >= 0.85, q
    assert q["denials_flagged"]["rate"] >= 0.85, q
    assert q["hedged"]["recall"] >= 0.9 and q["hedged"]["precision"] >= 0.7, q
    assert report["source_problems"] == []


# A development set of 23 FNC-1 bodies rich in denials (267 attributions, 68 denials, with content and kind),
# annotated by hand for issue #17 before the rules were changed for them (17 articles first, 6 more after the
# first round of rule changes, scored once before they were used). Before the rules of #17: P 0.924 / R 0.771,
# 23 of 68 denials flagged; after: P 0.977 / R 0.944, 51 of 68, content P 0.895 / R 0.865, kind R 0.835.
# Session 15: the five agentless belief passives in it ("are thought to", "is believed to") were annotated, as the
# written conventions of the later sets say (272 attributions); P 0.959 / R 0.934, 50 of 68.
def test_dev2_set_floor() -> None:
    report = bench_attribution(GOLD.with_name("attribution_dev2.jsonl"), None)
    q = report["quality"]
    assert report["articles"] == 23 and q["source_cue"]["gold"] == 272 and q["denials_flagged"]["gold"] == 68
    assert q["source_cue"]["precision"] >= 0.95 and q["source_cue"]["recall"] >= 0.93, q
    assert q["denials_flagged"]["rate"] >= 0.72, q
    assert q["content"]["recall"] >= 0.84 and q["kind"]["recall"] >= 0.81, q
    assert report["source_problems"] == []


# A second, held-out set (10 articles, 44 attributions) annotated after the rules were written and
# never used to tune them: P 0.95 / R 0.864 lenient, exact F1 0.81 when it was added; 0.95 / 0.864,
# exact F1 0.83 after issue #16. Session 15: its two agentless "is believed to" annotated (46 attributions).
def test_heldout_set_floor() -> None:
    report = bench_attribution(GOLD.with_name("attribution_heldout.jsonl"), None)
    q = report["quality"]
    assert report["articles"] == 10 and q["source_cue"]["gold"] == 46
    assert q["source_cue"]["precision"] >= 0.92 and q["source_cue"]["recall"] >= 0.84, q
    assert q["source_cue_exact"]["f1"] >= 0.8, q
    assert report["source_problems"] == []


# The annotated sets with content and kind, in the order they were made. Each was annotated by hand, blind to
# the extractor, before a round of rule changes, measured once after it as a held-out set, and then became a
# development set for the next round (with a fresh held-out set annotated before that round). Figures, source+cue
# lenient precision / recall and denials flagged:
# - heldout2 (14 FNC-1 bodies, 162 attributions, 49 denials): before issue #16 P 0.883 / R 0.840, 14 of 49;
#   after #16 P 0.913 / R 0.840, 17; held out after #17 P 0.928 / R 0.870, 25 (content R 0.821, kind R 0.704);
#   with heldout (10 bodies) 24 articles, 206 attributions, P 0.932 / R 0.869. As a development set in session
#   14 (denials reported in the content, negation by "no"/"nothing", "recanted"...): P 0.929 / R 0.895, 31 of 49.
# - heldout3 (24 bodies drawn at random, seed 20261126, half with a 'disagree' pair; 302 attributions, 29
#   denials): P 0.904 / R 0.748, 6 of 29 before session 14's first round; 0.904 / 0.748, 7 of 29 after it.
#   Its annotators also counted speech inside quotations, which the extractor leaves to the quoted speaker (13
#   of its 76 misses). As a development set ("quoted as saying", "corroborated", three denial false positives
#   removed): P 0.902 / R 0.758.
# - heldout4 (24 bodies, seed 20261127, the gold sets' conventions written out for the annotators; 269
#   attributions, 36 denials): P 0.956 / R 0.814, 8 of 36 before the second round and the same after it (content
#   R 0.762, kind R 0.714, hedged P 0.50 / R 0.33). As a development set ("cast doubt over", "raised doubts
#   about", "pointed out", "identified X as Y"): P 0.953 / R 0.829.
# - heldout5 (24 bodies, seed 20261128; 338 attributions, 50 denials), held out: P 0.926 / R 0.781, 15 of 50
#   before the third round; measured once after it: P 0.920 / R 0.784, 15 of 50 (content R 0.725, kind R 0.621,
#   hedged P 0.71 / R 0.26, confirmation P 1.0 / R 0.80, exact F1 0.706). 11 of its 73 misses are agentless
#   ("is understood", "it is claimed"), belief passives the written conventions listed but the gold sets and the
#   extractor leave to the hedged flag. A development set from session 15 (belief passives extracted, more
#   denial markers): P 0.926 / R 0.817, 24 of 50.
# - heldout6 (23 bodies, seed 20261129; a French body drawn with them left out; 141 attributions, 18 denials):
#   P 0.880 / R 0.674, 4 of 18 before session 15; measured once after its first round: P 0.888 / R 0.731, 4 of 18.
# - heldout7 (24 bodies, seed 20261130; 207 attributions, 22 denials): P 0.919 / R 0.710, 4 of 22 before session
#   15; measured once after its second round: P 0.921 / R 0.730, 6 of 22.
# - heldout8 (24 bodies, seed 20261131; 142 attributions, 11 denials), held out: P 0.884 / R 0.754, 3 of 11 before
#   session 15; measured once after its third round: P 0.908 / R 0.761, 3 of 11 (content R 0.69, kind R 0.63,
#   hedged P 1.0 / R 0.22). Then a development set ("write tickets", "maintained a siege": P 0.923 / R 0.761);
#   the next round needs a fresh held-out set. A second annotator, blind to the first, agrees at P = R = 0.958 and
#   flags 10 of its 11 denials (`attribution_heldout8_second.jsonl`, `bench attribution --against`).
# - heldout9 (24 bodies, seed 20261201; 178 attributions, 13 denials), annotated after session 15's rules and
#   measured once on them: P 0.931 / R 0.753, 2 of 13 denials flagged, denial precision 0.20 (the code at the
#   start of the session: P 0.924 / R 0.747, 1 of 13); content R 0.70, kind R 0.64, hedged P 0.57 / R 0.22.
#   Then a development set (round 4: "is safe" is no denial, "it was wrong for X to" a judgement): denial P 0.40.
# - heldout10 (24 bodies, seed 20261202; 148 attributions, 17 denials), held out: P 0.885 / R 0.574, 4 of 17 at the
#   session's start; measured once with its final rules: P 0.890 / R 0.601, 5 of 17 (round 4 changed nothing on
#   it; its annotators took many loose cues: listing prices, song lyrics). A development set from session 16
#   (threats, blame, doubts; negations that answer a claim; reduced passive hedges; signs that "read"): P 0.915 /
#   R 0.655, 9 of 17.
# - heldout11 (24 bodies, seed 20261203; 185 attributions, 19 denials), annotated before session 16's rules and
#   measured once after its first round: P 0.939 / R 0.665, 2 of 19, the same as at the session's start (P 0.946 /
#   R 0.665, 2 of 19). Then a development set ("had to debunk", "have not seen any evidence", captions that read):
#   P 0.940 / R 0.681, 5 of 19. Its annotators marked 41 attributions hedged where the article doubts a hoax.
# - heldout12 (24 bodies, seed 20261204; 206 attributions, 32 denials), annotated during session 16 and measured
#   once after its second round: P 0.928 / R 0.752, 13 of 32 (the session's starting code: P 0.933 / R 0.743, 12 of
#   32); content R 0.69, kind R 0.53, hedged P 0.67 / R 0.27, confirmation P 0.89 / R 0.73. Then a development set
#   ("neither confirmed nor denied", "it was unlikely", a cue cut off its quotation; "the U.S." now matches):
#   P 0.958 / R 0.767, 15 of 32.
# - heldout13 (23 bodies, seed 20261205, a French one left out; 134 attributions, 17 denials), annotated during
#   session 16 and measured once after its third round: P 0.894 / R 0.694, 4 of 17 (the session's starting code:
#   P 0.921 / R 0.694, 4 of 17; content R 0.63, kind R 0.53, hedged P 0.80 / R 0.31). Then a development set:
#   "joking about" is no statement, and cues match after "to" ("even had to debunk"): P 0.922 / R 0.702, 5 of 17.
# - heldout14 (24 bodies, seed 20261206; 167 attributions, 26 denials), annotated during session 17 before any of its
#   changes and measured once with the rules of session 16: P 0.856 / R 0.749, 10 of 26, denial precision 0.59 (a
#   learned denial classifier, tried on it at the same time, added 1 right and 1 wrong denial and was not kept). With
#   the matcher's -ly adverbs ("has apparently claimed" ~ "claimed") it reads P 0.890 / R 0.778. Then a development
#   set (phone calls and summons, "can recall", reporters at work, "claims" tagged a noun, call signs, "But according
#   to"): P 0.918 / R 0.802, 10 of 26.
# - heldout15 (24 bodies, seed 20261207; 143 attributions, 20 denials), annotated during session 17 before its rule
#   round and measured once after it: P 0.939 / R 0.748, 7 of 20, denial precision 0.88 (content R 0.70, kind R
#   0.69); the session's starting code reads exactly the same: the round changed nothing on unseen news.
# - heldout16 (24 bodies, seed 20261208; 231 attributions, 36 denials), annotated during session 17 and measured once
#   after its last rules ("the WHO said", relatives, wire datelines, "Page Six", trailing cues, advertisements):
#   P 0.890 / R 0.697, 14 of 36, denial precision 0.93 (content R 0.67, kind R 0.56); the session's starting code
#   reads exactly the same.
# - heldout17 (24 bodies, seed 20261209; 201 attributions, 39 denials), annotated at the start of session 18 and
#   measured once with the unchanged rules: P 0.964 / R 0.806, 12 of 39, denial precision 0.75 (content R 0.74,
#   kind R 0.71, hedged P 0.63 / R 0.17). A learned cue tagger tried that session (not kept) reads the same F1 on it.
#   Two of its bodies repeat development texts (1880 is heldout4's 1923, 1734 is heldout7's 1180); without them:
#   P 0.961 / R 0.789, 9 of 34.
# - heldout18 (23 bodies, seed 20261210, body 603 left out as a copy of heldout11's 2240; 176 attributions, 19
#   denials), annotated during session 18 and measured once with its unchanged rules: P 0.929 / R 0.739, 4 of 19,
#   denial precision 0.50 (content R 0.71, kind R 0.60, hedged P 0.80 / R 0.17).
# (All figures with the matcher as it is now: cues match after auxiliaries and adverbs, "has now confirmed" ~
# "confirmed", and "WHO" is a source word; before that fix heldout8 read 0.891 / 0.747 after its round.)
# Floors sit a little under the figures: (file, articles, attributions, denials, P, R, denials flagged, content R, kind R)
ANNOTATED_SETS = [
    ("attribution_heldout2.jsonl", 14, 162, 49, 0.92, 0.87, 0.62, 0.82, 0.7),
    ("attribution_heldout3.jsonl", 24, 302, 29, 0.88, 0.74, 0.26, 0.7, 0.6),
    ("attribution_heldout4.jsonl", 24, 269, 36, 0.93, 0.82, 0.38, 0.77, 0.72),
    ("attribution_heldout5.jsonl", 24, 338, 50, 0.9, 0.79, 0.44, 0.73, 0.63),
    ("attribution_heldout6.jsonl", 23, 141, 18, 0.86, 0.71, 0.3, 0.63, 0.64),
    ("attribution_heldout7.jsonl", 24, 207, 22, 0.91, 0.7, 0.2, 0.65, 0.6),
    ("attribution_heldout8.jsonl", 24, 142, 11, 0.9, 0.74, 0.25, 0.66, 0.6),
    ("attribution_heldout9.jsonl", 24, 178, 13, 0.91, 0.73, 0.15, 0.67, 0.62),
    ("attribution_heldout10.jsonl", 24, 148, 17, 0.89, 0.62, 0.45, 0.53, 0.5),
    ("attribution_heldout11.jsonl", 24, 185, 19, 0.91, 0.65, 0.2, 0.6, 0.56),
    ("attribution_heldout12.jsonl", 24, 206, 32, 0.93, 0.74, 0.4, 0.69, 0.52),
    ("attribution_heldout13.jsonl", 23, 134, 17, 0.89, 0.67, 0.2, 0.6, 0.5),
    ("attribution_heldout14.jsonl", 24, 167, 26, 0.89, 0.78, 0.35, 0.68, 0.64),
    ("attribution_heldout15.jsonl", 24, 143, 20, 0.92, 0.73, 0.3, 0.67, 0.66),
    ("attribution_heldout16.jsonl", 24, 231, 36, 0.87, 0.68, 0.35, 0.65, 0.53),
    ("attribution_heldout17.jsonl", 24, 201, 39, 0.94, 0.78, 0.28, 0.72, 0.69),
    ("attribution_heldout18.jsonl", 23, 176, 19, 0.91, 0.72, 0.18, 0.69, 0.57),
]


@pytest.mark.parametrize("row", ANNOTATED_SETS, ids=[r[0].split(".")[0] for r in ANNOTATED_SETS])
def test_annotated_set_floor(row: tuple[str, int, int, int, float, float, float, float, float]) -> None:
    name, articles, gold, denials, precision, recall, flagged, content, kind = row
    report = bench_attribution(GOLD.with_name(name), None)
    q = report["quality"]
    assert report["articles"] == articles and q["source_cue"]["gold"] == gold and q["denials_flagged"]["gold"] == denials
    assert q["source_cue"]["precision"] >= precision and q["source_cue"]["recall"] >= recall, q
    assert q["denials_flagged"]["rate"] >= flagged, q
    assert q["content"]["recall"] >= content and q["kind"]["recall"] >= kind, q


# Rules of issue #16 (each failed on the rules before it): sentences written for the tests, never
# taken from a held-out set.
def test_reporting_verbs_outside_the_old_lexicon() -> None:
    items = attributions(
        "The opposition accused the minister of lying to parliament. The court ruled that the contract was void. "
        "The union reiterated that it would strike on Monday. The mayor called for calm after the riots. "
        "Fans cheered the decision to reopen the stadium."
    )
    assert "the minister of lying" in find(items, "opposition", "accused").content
    assert find(items, "court", "ruled").content == "the contract was void"
    find(items, "union", "reiterated")
    assert find(items, "mayor", "called for").content == "calm"
    find(items, "Fans", "cheered")


def test_denials_without_a_denial_verb() -> None:
    items = attributions(
        "The company ruled out any layoffs this year. The firm insisted the payment was legal. “It is a lie,” the general said."
    )
    ruled = find(items, "company", "ruled out")
    assert ruled.denial and ruled.content == "any layoffs"
    assert find(items, "firm", "insisted").denial
    assert find(items, "general", "said").denial


def test_roles_and_pronouns_resolve_to_the_named_source() -> None:
    founder = find(
        attributions("Jane Roe founded Acme Robotics in 2009. The company's founder denied the report on Monday."), "Roe", "denied"
    )
    assert founder.source == "Jane Roe" and founder.resolved_from == "The company's founder"
    it = attributions("The Interior Ministry issued a statement on Friday. It said the border would stay closed.")[-1]
    assert it.source == "The Interior Ministry" and it.resolved_from == "It"
    pm = attributions("Prime Minister Narendra Modi visited the dam on Monday. The Prime Minister said the dam was safe.")[-1]
    assert "Narendra Modi" in pm.source and pm.resolved_from == "The Prime Minister"


def test_appositive_name_is_the_source() -> None:
    [hale] = attributions("The former head of the agency, General Tom Hale, said the plan had failed.")
    assert hale.source == "General Tom Hale" and hale.source_role == "The former head of the agency"
    [roe] = attributions("Jane Roe, the company's chief engineer, said the bridge was safe.")
    assert roe.source == "Jane Roe" and roe.source_role == "the company's chief engineer"
    [plain] = attributions("Jane Roe said the bridge was safe.")
    assert plain.source_role is None


def test_hedged_denials_and_confirmations_keep_their_speaker() -> None:
    items = attributions("The minister was said to have denied the report. The ambassador reportedly confirmed the talks.")
    denied = find(items, "minister", "denied")
    assert denied.hedged and denied.denial and denied.content == "the report"
    confirmed = find(items, "ambassador", "confirmed")
    assert confirmed.hedged and confirmed.confirmation


def test_a_line_without_final_punctuation_is_a_sentence() -> None:
    [johnson] = attributions("Dueling narratives in the shooting\n\nDorian Johnson, a friend of the victim, said the officer fired twice.")
    assert johnson.source == "Dorian Johnson" and johnson.content == "the officer fired twice"


def test_source_hygiene() -> None:
    managua = attributions("Managua has a population of 1.2 million people and many residents reported hearing a loud bang.")
    assert all(a.source != "Managua" for a in managua)  # a bare place is no source
    assert "PERTH" not in [a.source for a in attributions("PERTH, Australia -- Police said on Sunday that two men were arrested.")]
    assert attributions("It said the plant would close.") == []  # an unresolved pronoun is no source
    assert attributions("The ceasefire suggests that talks are working. Both noted that the deal was fragile.") == []
    assert attributions("The senator tweeted on Monday.") == []  # a cue with no content is no attribution
    [told] = attributions("Doctors found a spider in Dylan Thomas's stomach. He told reporters that it hurt.")
    assert told.source == "Dylan Thomas" and told.resolved_from == "He"  # not the possessive "Dylan Thomas's"


# Rules of issue #17 (each failed on the rules before it): sentences written for the tests, never taken from
# a held-out set.
def test_denials_by_what_is_said() -> None:
    items = attributions(
        "“That simply isn’t true,” the spokeswoman said. The agency called the reports baseless. "
        "The ministry dismissed the claims as propaganda. Apple said it had no plans to open a store there."
    )
    assert find(items, "spokeswoman", "said").denial
    called = find(items, "agency", "called")
    assert called.denial and called.content == "the reports baseless"
    assert find(items, "ministry", "dismissed").content == "the claims as propaganda"
    assert find(items, "Apple", "said").denial


def test_a_negation_of_an_earlier_claim_is_a_denial() -> None:
    items = attributions("Local media reported that the mayor had been arrested. Police said the mayor was not arrested.")
    assert not find(items, "media", "reported").denial and find(items, "Police", "said").denial
    items = attributions("The newspaper reported an offensive was planned. The army said it would not launch an offensive.")
    assert not find(items, "army", "said").denial  # an intention, not a denial
    insisted = find(attributions("The government insisted the woman was not married to the rebel leader."), "government", "insisted")
    assert insisted.denial
    for text in (
        "“I cannot confirm it and I hope it isn’t true,” the minister said.",
        "“Responsibility lies with the council,” the mayor said.",
    ):
        assert not attributions(text)[0].denial, text


def test_denials_reported_negated_by_no_or_nothing_and_recanted() -> None:
    # written for the tests (session 14), never taken from a held-out set
    items = attributions(
        "Local media reported that soldiers had seized the airport. "
        "A spokesman said no soldiers had seized the airport. "
        "The analyst said the rebels had denied the report. "
        "Officials said the rumors of his death were premature. "
        "The writer recanted the story on Monday. "
        "The mayor was walking back his remarks."
    )
    assert find(items, "spokesman", "said").denial  # "no soldiers ... had seized": a negated earlier claim
    assert find(items, "analyst", "said").denial  # the content reports a denial
    assert find(items, "Officials", "said").denial
    assert find(items, "writer", "recanted").denial
    assert find(items, "mayor", "walking back").denial
    assert not find(attributions("The lawyer said his client would deny the charges."), "lawyer", "said").denial  # an intention
    assert not find(attributions("The minister said nothing had changed since Monday."), "minister", "said").denial  # no earlier claim


def test_quoted_as_saying_and_more_reporting_verbs() -> None:
    # written for the tests (session 14), never taken from a held-out set
    items = attributions(
        "The diplomat was quoted as saying that the talks had failed. "
        "“We will not sign,” the envoy was quoted as saying. "
        "A second official corroborated the account. "
        "The prosecutor charged that the mayor had taken bribes. "
        "Her sister swears the letter is genuine."
    )
    diplomat = find(items, "diplomat", "quoted as saying")
    assert diplomat.content == "the talks had failed"
    assert find(items, "envoy", "quoted as saying").content == "We will not sign"
    assert find(items, "second official", "corroborated").confirmation
    find(items, "prosecutor", "charged")
    find(items, "sister", "swears")
    assert attributions("The minister was quoted in the newspaper.") == []


def test_doubts_and_pointing_out() -> None:
    # written for the tests (session 14), never taken from a held-out set
    # "is believed to" is an agentless hedged attribution (session 15, the written conventions); "thinks" is none
    [believed] = attributions("The officers are believed to have worked for the gang. The mayor thinks the bridge is safe.")
    assert (believed.source, believed.cue, believed.hedged) == ("", "are believed", True)
    items = attributions(
        "Geologists have cast doubt over claims that the crater was made by a meteorite. "
        "The agency raised questions about whether the test was valid. "
        "Critics pointed out that the route was closed."
    )
    assert find(items, "Geologists", "cast doubt").content == "claims that the crater was made by a meteorite"
    assert find(items, "agency", "raised questions").content.endswith("the test was valid")
    assert find(items, "Critics", "pointed out").content == "the route was closed"
    assert attributions("He pointed at the map. The union raised the wages.") == []
    items = attributions("Police identified the man as a former soldier. Two guards confessed that they had helped the prisoners.")
    assert find(items, "Police", "identified").content == "the man as a former soldier"
    find(items, "guards", "confessed")
    assert attributions("Police identified the car.") == []
    [yeomans] = attributions('"The blast and the asteroid are unrelated," the expert told the newspaper.')
    assert yeomans.content == "The blast and the asteroid are unrelated" and yeomans.channel == "the newspaper"  # not the addressee


def test_what_is_no_denial() -> None:
    items = attributions(
        "Reports said the general had fled. "
        "Doctors said smoking leads to premature births. "
        "The envoy said the rebels had rejected efforts to resume talks. "
        "The general said he did not make any mention of the reports."
    )
    assert not any(a.denial for a in items if a.cue == "said"), [(a.source, a.denial) for a in items]
    assert find(attributions("The agent said reports of his death were premature."), "agent", "said").denial
    assert find(attributions("The spokeswoman said that is not what happened at all."), "spokeswoman", "said").denial
    # acts, not statements: no attribution at all
    assert attributions("The prosecutor's office dismissed 849 cases. The union rejected the offer on Monday.") == []
    assert find(attributions("The minister rejected the claims."), "minister", "rejected").denial


def test_participles_and_relatives_that_report() -> None:
    items = attributions(
        "The minister spoke to reporters, emphasizing that the talks would continue. "
        "A blog claiming that the singer had died was shared widely. "
        "The company released no figures, suggesting that sales fell. "
        "As reported by The Daily Planet, the factory will close."
    )
    assert find(items, "minister", "emphasizing").content == "the talks would continue"
    find(items, "blog", "claiming")
    assert not any(a.cue == "suggesting" for a in items)  # the writer's inference
    find(items, "Daily Planet", "reported")


def test_questions_and_unconfirmed_are_no_statements() -> None:
    assert attributions("Reporters asked him if he would deny the report.") == []
    assert attributions("The police could not confirm that the man had died.") == []


def test_per_and_a_quotation_after_a_colon() -> None:
    [per] = attributions("The deal is worth $5 billion, per Bloomberg. Shares rose $2 per share.")
    assert per.source == "Bloomberg" and per.content == "The deal is worth $5 billion"
    [posted] = attributions("Jane Roe, a local teacher, posted on Facebook on Monday: “I am safe and well.”")
    assert posted.source == "Jane Roe" and posted.kind == "direct"


def test_a_quotation_over_several_sentences() -> None:
    [spokesman] = attributions('"The report is wrong. We never met him," the spokesman said.')
    assert spokesman.content == "The report is wrong. We never met him" and spokesman.kind == "direct" and spokesman.denial
    [hale] = attributions("\"The claims are false,'' said Tom Hale.")  # '' closes the quotation
    assert hale.source == "Tom Hale" and hale.denial


def test_title_case_headline() -> None:
    [minister] = attributions("Minister Denies Plan To Close Schools\n\nThe council met on Monday.")
    assert minister.source == "Minister" and minister.cue == "Denies" and minister.denial


def test_hedges_with_a_word_between() -> None:
    believed, police = attributions("The suspect was now believed to be in Spain, the police said.")
    assert police.source == "the police" and police.hedged
    assert believed.source == "" and believed.cue == "believed" and believed.hedged
    [rumored] = attributions("The singer is rumored to have bought the club.")
    assert rumored.source == "" and rumored.hedged
    items = attributions(
        "It is understood that he was known to the services. He is thought to be 31. The plan was thought out by the mayor."
    )
    assert [(a.source, a.cue, a.content, a.hedged) for a in items] == [
        ("", "is understood", "he was known to the services", True),
        ("", "is thought", "He is thought to be 31", True),
    ]


def test_pronouns_agree_and_follow_the_subject() -> None:
    items = attributions(
        "Mr. Tom Hale said the talks had failed. Ms. Ann Lee said they would resume. "
        "She added that a deal was close. He said he doubted it."
    )
    # "he doubted it" is itself reported speech (nested in "He said ..."), its "he" the same speaker
    assert [(a.resolved_from, a.source) for a in items[2:]] == [("She", "Ms. Ann Lee"), ("He", "Mr. Tom Hale"), ("he", "Mr. Tom Hale")]
    she = attributions("The agency said the results were due on Monday. Jane Roe has also defended the study. She said it was sound.")[-1]
    assert she.source == "Jane Roe" and she.resolved_from == "She"
    role = attributions("Interior Minister Nohad Machnouk visited the site. The minister told reporters the girl was safe.")[-1]
    assert role.source == "Interior Minister Nohad Machnouk"


def test_denials_session_15() -> None:
    # written for the tests (session 15), never taken from a held-out set
    items = attributions(
        "The rebel commander appeared in a new video, denying reports of a truce. "
        "The network chose to squash the rumours on its evening bulletin. "
        "Analysts said the leaked letter was probably not credible. "
        "The ministry said the photos were bogus. "
        "Geologists cast doubt on claims that a meteorite made the crater. "
        "The embassy said it was not aware of any arrest. "
        "Engineers said it was highly unlikely that the dam had failed."
    )
    denials = [(a.source, a.cue) for a in items if a.denial]
    assert denials == [
        ("The rebel commander", "denying"),
        ("The network", "squash"),
        ("Analysts", "said"),
        ("The ministry", "said"),
        ("Geologists", "cast doubt"),
        ("The embassy", "said"),
        ("Engineers", "said"),
    ]
    # raising a question, a risk judged unlikely without "very"/"highly", and a participle that reports no
    # denial stay what they were
    items = attributions(
        "The agency raised questions about the test. Doctors said it was unlikely to spread. "
        "The minister arrived on Monday, adding that talks would resume."
    )
    assert [a.denial for a in items] == [False, False, False]


def test_rebuttals_and_documents_session_15() -> None:
    # written for the tests (session 15), never taken from a held-out set
    items = attributions(
        "Critics pushed back on the report that the plant would close. "
        "The minister was forced to deny the report. "
        'A rumour that the singer had quit the band was called "rubbish" by her manager. '
        "The couple became famous after a profile in a local magazine that claims they won the lottery twice."
    )
    assert [(a.source, a.cue, a.denial) for a in items[:3]] == [
        ("Critics", "pushed back", True),
        ("The minister", "deny", True),
        ("her manager", "called", True),
    ]
    assert items[3].cue == "claims" and items[3].source.endswith("a local magazine") and not items[3].denial
    # no statement: pushing things, being asked to confirm; a plan called ambitious is no denial
    assert attributions("The crowd pushed back the police. He was asked to confirm the report.") == []
    [called] = attributions("The mayor called the plan ambitious.")
    assert not called.denial


def test_alive_and_safe_deny_a_rumour() -> None:
    # written for the tests (session 15): saying someone is alive answers a rumour of death; "is safe" does not
    # (held-out set 9: "the Prime Minister is safe and has left Parliament Hill" after a shooting)
    items = attributions(
        "Her brother said she is alive and well. The studio confirmed that the actor is still alive. "
        "Police told reporters the minister is safe. The coach said the team played well."
    )
    assert [(a.source, a.denial) for a in items] == [
        ("Her brother", True),
        ("The studio", True),
        ("Police", False),
        ("The coach", False),
    ]
    assert items[1].confirmation  # confirming he is alive confirms one thing and denies another
    [pretended] = attributions("The government said the pilot was killed, though the group pretended he was alive.")
    assert not pretended.denial  # what someone pretended is not asserted
    judged, wrong = attributions("Erdogan said it was wrong for the US to deliver the arms. The ministry said the report was wrong.")
    assert not judged.denial and wrong.denial  # a judgement is no denial; a report called wrong is one


def test_acts_are_not_statements_and_by_saying_is_one() -> None:
    # written for the tests (session 15)
    assert attributions("Wilson continued to fire on the car. The rebels agreed to end the war. The group agreed a truce.") == []
    assert attributions("Officers write tickets for speeding. The army maintained a siege of the town.") == []
    [maintained] = attributions("The firm maintained that the payment was legal.")
    assert maintained.denial
    items = attributions(
        'He continued to deny the report. "We will win," she continued. Experts agreed that the crater was old. '
        "The company responded to the reports by saying it had received nine complaints."
    )
    assert [(a.source, a.cue, a.denial) for a in items] == [
        ("He", "deny", True),
        ("she", "continued", False),
        ("Experts", "agreed", False),
        ("The company", "saying", False),
    ]


def test_calls_memories_and_reporters_at_work_are_not_statements() -> None:
    # written for the tests (session 17)
    assert (
        attributions(
            "The manager called up a supplier in Ohio. If the alarm goes off, they call a guard. "
            "Few can recall a storm like it. She has been reporting from Kiev for years."
        )
        == []
    )
    items = attributions("The minister called the report “rubbish”. Fans called out the director. He recalled that the ship sank.")
    assert [(a.resolved_from or a.source, a.cue) for a in items] == [("The minister", "called"), ("Fans", "called"), ("He", "recalled")]


# written for the tests (session 17): speakers the tagger or parser hid. "claims" tagged a plural noun; a TV call
# sign tagged a place and taken for a dateline; guidelines, advertisements and relatives as speakers; "the WHO" read as
# the pronoun "who"; "Page Six" read as a number, with "reported" parsed as a clause of "wants" (the content is what
# precedes the cue, not a span across its speaker)
HIDDEN_SPEAKERS = [
    ("During that time, Sister Mary Ellen O’dowd claims she saw the Virgin Mary.", "O’dowd", "claims", "she saw the Virgin Mary"),
    ("But according to KWTX-10, the school will stay closed.", "KWTX-10", "according to", "the school will stay closed"),
    ("Federal guidelines say that children must be vaccinated.", "guidelines", "say", "children must be vaccinated"),
    (
        "A fake advertisement claiming that phones charge in a microwave went viral.",
        "advertisement",
        "claiming",
        "phones charge in a microwave",
    ),
    ("“No new cases were found,” the WHO said in a statement.", "WHO", "said", "No new cases were found"),
    ("The victim’s niece said the family was shocked.", "niece", "said", "the family was shocked"),
    (
        "The coach wants the striker sold, the Daily Star’s Page Six reported Friday, citing sources.",
        "Page Six",
        "reported",
        "The coach wants the striker sold",
    ),
]


@pytest.mark.parametrize(("text", "speaker", "cue", "content"), HIDDEN_SPEAKERS, ids=[r[1] for r in HIDDEN_SPEAKERS])
def test_speakers_the_tagger_or_parser_hid(text: str, speaker: str, cue: str, content: str) -> None:
    assert find(attributions(text), speaker, cue).content == content


def test_speaker_after_a_wire_dateline() -> None:
    # written for the tests (session 17): here the parser takes the dateline for the subject of "said" and the
    # speaker after "--" for its appositive (it parses "OSLO, Norway -- Police said ..." right)
    for text, content in (
        ("PERTH, Australia -- Police said the man was arrested.", "the man was arrested"),
        ("OSLO, Norway -- Police said on Monday that the bridge had reopened.", "the bridge had reopened"),
    ):
        [police] = attributions(text)
        assert (police.source, police.cue, police.content) == ("Police", "said", content)
    assert attributions("OSLO, Norway -- The bridge reopened on Monday.") == []


def test_threats_blame_jokes_and_doubts_are_statements() -> None:
    # written for the tests (session 16)
    items = attributions(
        "The group threatened to kill a second hostage. The governor blamed the floods on poor planning. "
        "The coach joked that he would retire rich. Two analysts doubted the authenticity of the letter. "
        "Sales were lower than what the company estimated."
    )
    assert find(items, "group", "threatened").content == "to kill a second hostage"
    assert "poor planning" in find(items, "governor", "blamed").content
    assert not find(items, "coach", "joked").denial
    doubted = find(items, "analysts", "doubted")
    assert doubted.denial and doubted.content == "the authenticity of the letter"
    assert not any(a.cue == "estimated" for a in items)  # "than what it estimated": nothing said here


def test_negations_that_answer_a_claim() -> None:
    # written for the tests (session 16), never taken from a held-out set
    items = attributions(
        "The singer is not retiring from music, her manager said on Friday. "
        "The band's label confirmed the tour had not been cancelled. "
        "A neighbour said the farmer is actually not bankrupt. "
        "His lawyer said he doesn't even own the car. "
        "An official said it was unlikely that the prince had fled. "
        "The mayor said the bridge was not finished."
    )
    assert find(items, "manager", "said").denial  # a story that opens on "is not so" answers a rumour
    label = find(items, "label", "confirmed")
    assert label.denial and label.confirmation  # confirming it is not so denies the claim
    assert find(items, "neighbour", "said").denial and find(items, "lawyer", "said").denial  # correcting what was believed
    assert find(items, "official", "said").denial
    assert not find(items, "mayor", "said").denial  # a plain negation later in the story, of nothing claimed before
    [later] = attributions("The minister said nothing had changed since Monday.")
    assert not later.denial  # a negative pronoun states a fact
    [opening] = attributions("The actor is not his brother, the studio said.")
    assert opening.denial


def test_reduced_passive_hedges_and_claiming_to_be() -> None:
    # written for the tests (session 16)
    [man] = attributions("Police arrested a man believed to have started the fire.")
    assert (man.source, man.cue, man.content, man.hedged) == ("", "believed", "to have started the fire", True)
    [bird] = attributions("Rangers found a bird, thought to be the last of its kind, near the lake.")
    assert (bird.source, bird.cue) == ("", "thought") and bird.content.startswith("to be the last of its kind")
    [account] = attributions("An account claiming to be the mayor's office posted the notice.")
    assert (account.source, account.cue, account.content) == ("An account", "claiming", "to be the mayor's office")
    assert attributions("She believed the talks would fail.") == []  # an active belief is no statement


def test_signs_and_captions_read_and_denials_after_had_to() -> None:
    # written for the tests (session 16)
    items = attributions(
        '"Closed for good," the sign on the door read. The caption reads: "Case closed." '
        "You can read the full report online. Officials had to debunk the rumours."
    )
    assert [(a.source, a.cue, a.kind) for a in items[:2]] == [
        ("the sign on the door", "read", "direct"),
        ("The caption", "reads", "direct"),
    ]
    assert "Closed for good" in items[0].content and items[1].content == "Case closed"
    assert not any(a.source == "You" for a in items)  # a person reading says nothing
    debunked = find(items, "Officials", "debunk")
    assert debunked.denial and debunked.content == "the rumours"  # what is denied is the object


def test_no_evidence_seen_is_a_denial_unless_hoped() -> None:
    # written for the tests (session 16)
    items = attributions(
        'The ministry gave a briefing. "We have not at this time seen any evidence that supports the claim," a spokeswoman said. '
        "The mayor said he hoped the police had not found any evidence."
    )
    assert find(items, "spokeswoman", "said").denial
    assert not find(items, "mayor", "said").denial  # hoped, not asserted ("hoped" is lemmatised "hop")


def test_neither_nor_phone_calls_and_unlikely() -> None:
    # written for the tests (session 16)
    items = attributions(
        "A spokeswoman neither confirmed nor denied the rumor. A neighbour called 911. "
        "An analyst said it was unlikely the king had been overthrown. The minister said the bill is unlikely to pass. "
        '"There are no indications that they pose a risk," an official said.'
    )
    assert not any(a.cue in ("confirmed", "denied", "called") for a in items)  # nothing asserted, a phone call
    assert find(items, "analyst", "said").denial and not find(items, "minister", "said").denial  # a forecast
    assert find(items, "official", "said").denial


def test_a_cue_cut_off_its_quotation_takes_it_back() -> None:
    # written for the tests (session 16): the parser ends the sentence at a closing quote with no comma after it
    text = "The show ended in 2014.\n\n“We are going forward with turning it into a feature film” Sutter said.\n\nIt ran for seven seasons."
    [sutter] = attributions(text)
    assert (sutter.source, sutter.cue, sutter.content) == ("Sutter", "said", "We are going forward with turning it into a feature film")
    assert sutter.kind == "direct"
    assert attributions("The show ended in 2014.\n\nSutter said.") == []  # no quotation closes before it
