"""Status rules: which evidence makes a claim confirmed, denied, disputed or unverified, and reasons that say why."""

from __future__ import annotations

from claimwatch.records import StatusInputs
from claimwatch.track.status import DEFAULT_RULES, StatusRules, decide_status

# thresholds pinned here so that these tests read the rules' logic; DEFAULT_RULES is tuned on Emergent
RULES = StatusRules(deny_min=1, deny_ratio=0.25, confirm_min=4, confirm_share=0.5, min_confidence=0.55)

AGREE = 'Wire: "Apple will build an electric car by 2020."'
DISAGREE = 'Tech Post: "Apple has no plans to build an electric car."'


def test_nothing_found_is_unverified() -> None:
    status, reasons = decide_status(StatusInputs())
    assert status == "unverified" and reasons == ["unverified: no article about the claim has been found yet"]


def test_denied_names_the_rule_and_quotes_both_sides() -> None:
    inputs = StatusInputs(agree=2, disagree=3, examples={"agree": AGREE, "disagree": DISAGREE})
    status, reasons = decide_status(inputs, RULES)
    assert status == "denied"
    assert reasons[0] == (
        "denied (disagreeing articles are at least 0.25 x the 2 that firmly agree): "
        f"3 of 5 independent articles disagree, e.g. {DISAGREE}; 2 agree, e.g. {AGREE}"
    )


def test_a_few_disagreeing_against_many_agreeing_is_disputed_not_denied() -> None:
    status, reasons = decide_status(StatusInputs(agree=9, disagree=2, examples={"agree": AGREE, "disagree": DISAGREE}), RULES)
    assert status == "disputed"
    assert reasons[0].startswith("disputed (articles disagree, fewer than 0.25 x the 9 that firmly agree, so not denied): 2 of 11")
    assert DISAGREE in reasons[0] and AGREE in reasons[0]


def test_a_quoted_denial_in_a_report_makes_it_disputed_not_denied() -> None:
    inputs = StatusInputs(
        discuss=1,
        reporters=["The BBC"],
        hedged_reports=1,
        denials=["A source close to Mr. Khamenei"],
        examples={"against": 'A source close to Mr. Khamenei (denied "that report")'},
    )
    status, reasons = decide_status(inputs, RULES)
    assert status == "disputed"
    assert reasons[0].startswith('disputed (a source quoted against the claim): A source close to Mr. Khamenei (denied "that report")')
    assert "context: sources quoted on it: The BBC (1 hedged report)" in reasons


def test_a_confirmation_of_the_opposite_is_shown_as_such() -> None:
    inputs = StatusInputs(
        agree=2,
        denials=["Aaron Sorkin"],
        reversed=["Aaron Sorkin"],
        examples={"against": 'Aaron Sorkin (confirmed "Bale would be playing the icon")', "agree": AGREE},
    )
    status, reasons = decide_status(inputs, RULES)
    assert status == "disputed"
    assert 'Aaron Sorkin (confirmed "Bale would be playing the icon") (confirming the claim\'s opposite)' in reasons[0]
    assert not any("confirmed by" in r for r in reasons)


def test_many_firm_reports_confirm_but_hedged_ones_do_not() -> None:
    status, reasons = decide_status(StatusInputs(agree=5, discuss=1, examples={"agree": AGREE}), RULES)
    assert status == "confirmed"
    assert reasons[0].startswith("confirmed (4+ independent unhedged articles agree, at least 50% of the coverage): 5 of 6")
    assert AGREE in reasons[0] and reasons[0].endswith("none disagree")
    status, reasons = decide_status(StatusInputs(agree=5, discuss=1, agree_hedged=3), RULES)
    assert status == "unverified"
    assert reasons[0].startswith("unverified (no rule fired;") and "2 of 6 independent articles agree without hedging" in reasons[0]
    assert "3 more agree with hedges" in reasons[0]


def test_an_unverified_claim_shows_a_confirmation_as_context_not_as_the_reason() -> None:
    inputs = StatusInputs(agree=2, discuss=3, confirmations=["another official"], examples={"for": 'another official (confirmed "talks")'})
    status, reasons = decide_status(inputs, RULES)
    assert status == "unverified"
    assert "another official" not in reasons[0]
    assert 'context (not enough to confirm it): quoted for it: another official (confirmed "talks")' in reasons
    assert "context: 3 articles report it without taking a side" in reasons


def test_a_named_confirmation_confirms_when_most_articles_agree() -> None:
    inputs = StatusInputs(agree=3, discuss=2, confirmations=["Aaron Sorkin"], examples={"for": 'Aaron Sorkin (confirmed "it")'})
    status, reasons = decide_status(inputs, RULES)
    assert status == "confirmed" and reasons[0].startswith("confirmed (a source confirms it")
    assert 'Aaron Sorkin (confirmed "it")' in reasons[0]


def test_uncertain_articles_are_counted_on_no_side_and_shown_as_context() -> None:
    inputs = StatusInputs(agree=1, uncertain=2, min_confidence=0.55, examples={"uncertain": 'Daily: "Maybe."'})
    status, reasons = decide_status(inputs, RULES)
    assert status == "unverified"
    assert 'context: 2 articles with a stance under 55% confidence, counted on no side, e.g. Daily: "Maybe."' in reasons
    # uncertain articles still count as coverage: one firm agreement of three is not half of it
    assert decide_status(StatusInputs(agree=1, uncertain=2, confirmations=["X"]), RULES)[0] == "unverified"
    assert decide_status(StatusInputs(agree=2, uncertain=1, confirmations=["X"]), RULES)[0] == "confirmed"


def test_opposite_articles_are_named_in_the_reason() -> None:
    status, reasons = decide_status(StatusInputs(agree=2, disagree=2, opposite=2, examples={"disagree": DISAGREE}), RULES)
    assert status == "denied"
    assert "2 of 4 independent articles disagree (2 labelled agree by the model, but stating the claim's opposite)" in reasons[0]


def test_rules_are_parameters() -> None:
    strict = StatusRules(deny_ratio=1.0)
    assert decide_status(StatusInputs(agree=3, disagree=1), strict)[0] == "disputed"
    assert decide_status(StatusInputs(agree=3, disagree=1), StatusRules(deny_ratio=0.25))[0] == "denied"
    assert 0 < DEFAULT_RULES.min_confidence < 1


def test_the_tuned_rules_confirm_on_five_firm_reports_amid_many_neutral_ones() -> None:
    # tuned on the Emergent dev half: 5 independent unhedged reports with nothing against them, 20% of the coverage
    assert decide_status(StatusInputs(agree=5, discuss=15))[0] == "confirmed"
    assert decide_status(StatusInputs(agree=5, discuss=21))[0] == "unverified"
    assert decide_status(StatusInputs(agree=4, discuss=1))[0] == "unverified"
    assert decide_status(StatusInputs(agree=8, disagree=2))[0] == "denied"


def test_many_sources_against_and_no_firm_report_is_denied() -> None:
    denials = ["Cuba's foreign ministry", "Fidel's son", "A Cuban official"]
    inputs = StatusInputs(discuss=6, denials=denials, examples={"against": 'Cuba\'s foreign ministry (denied "the rumours")'})
    status, reasons = decide_status(inputs)
    assert status == "denied"
    assert reasons[0].startswith(
        "denied (3+ sources quoted against the claim, and no article firmly agrees): "
        "Cuba's foreign ministry (denied \"the rumours\"); also Fidel's son, A Cuban official; 0 of 6 independent articles agree"
    ), reasons[0]
    # two sources, or one firm report beside them, leave it disputed
    assert decide_status(StatusInputs(discuss=6, denials=denials[:2]))[0] == "disputed"
    assert decide_status(StatusInputs(agree=1, discuss=6, denials=denials))[0] == "disputed"
    assert decide_status(StatusInputs(agree=1, agree_hedged=1, discuss=6, denials=denials))[0] == "denied"  # a hedged one is no firm report
