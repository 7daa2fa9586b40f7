"""Status rules: which evidence makes a claim confirmed, denied, disputed or unverified, and why."""

from __future__ import annotations

from claimwatch.records import StatusInputs
from claimwatch.track.status import StatusRules, decide_status


def test_nothing_found_is_unverified() -> None:
    status, reasons = decide_status(StatusInputs())
    assert status == "unverified" and "no article" in reasons[0]


def test_debunks_make_a_claim_denied_even_against_some_reports() -> None:
    status, reasons = decide_status(StatusInputs(agree=3, disagree=1, discuss=2))
    assert status == "denied"
    assert "1 article(s) disagree with the claim" in reasons


def test_a_quoted_denial_in_a_report_makes_it_disputed_not_denied() -> None:
    inputs = StatusInputs(discuss=1, reporters=["The BBC"], hedged_reports=1, denials=["A source close to Mr. Khamenei"])
    status, reasons = decide_status(inputs)
    assert status == "disputed"
    assert any("denied by A source close to Mr. Khamenei" in r for r in reasons)
    assert any("The BBC" in r and "1 hedged" in r for r in reasons)


def test_many_firm_reports_confirm_but_hedged_ones_do_not() -> None:
    assert decide_status(StatusInputs(agree=5, discuss=1))[0] == "confirmed"
    status, reasons = decide_status(StatusInputs(agree=5, discuss=1, agree_hedged=3))
    assert status == "unverified"
    assert any("fewer than 4" in r for r in reasons)


def test_a_named_confirmation_confirms_when_most_articles_agree() -> None:
    assert decide_status(StatusInputs(agree=3, discuss=2, confirmations=["Aaron Sorkin"]))[0] == "confirmed"
    assert decide_status(StatusInputs(agree=2, discuss=3, confirmations=["an official"]))[0] == "unverified"


def test_rules_are_parameters() -> None:
    strict = StatusRules(deny_ratio=1.0)
    assert decide_status(StatusInputs(agree=3, disagree=1), strict)[0] == "disputed"
    assert decide_status(StatusInputs(agree=3, disagree=1))[0] == "denied"
