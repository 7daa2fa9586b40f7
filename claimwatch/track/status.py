"""Claim status from the evidence: unverified / disputed / confirmed / denied, with the reasons.

The rules read counts of independent articles (syndicated copies collapsed) by stance, plus the
sources that denied or confirmed the claim inside those articles. Whole articles that disagree
(debunks) weigh more than a denial quoted inside a report: a report plus a quoted denial is a
dispute, not a debunk. The thresholds were chosen on half of the Emergent claims and checked on the
other half (`claimwatch bench status`).
"""

from __future__ import annotations

from dataclasses import dataclass

from claimwatch.records import ClaimStatus, StatusInputs


@dataclass(frozen=True)
class StatusRules:
    """Thresholds of the status rules."""

    # Chosen by macro-F1 on the Emergent dev half (0.615), 0.598 on the test half (vote rules: ~0.48).
    # A quarter as many debunks as firm reports already marks a false rumour in Emergent; true claims
    # needed 4+ independent unhedged reports to stand out from unknown ones.
    deny_min: int = 1  # disagreeing articles needed before "denied" is possible
    deny_ratio: float = 0.25  # denied when disagreeing >= deny_ratio x firmly agreeing articles
    confirm_min: int = 4  # firmly agreeing (unhedged) articles needed for "confirmed"
    confirm_share: float = 0.5  # ... and their share of all related articles
    hedged_support: bool = False  # do hedged agreeing reports count towards confirmation?


DEFAULT_RULES = StatusRules()


def _names(sources: list[str], limit: int = 4) -> str:
    unique = list(dict.fromkeys(s for s in sources if s))
    shown = ", ".join(unique[:limit])
    return shown + (f" and {len(unique) - limit} more" if len(unique) > limit else "")


def decide_status(inputs: StatusInputs, rules: StatusRules = DEFAULT_RULES) -> tuple[ClaimStatus, list[str]]:
    """Status of a claim and the reasons for it, from its independent articles and quoted sources."""
    related = inputs.agree + inputs.disagree + inputs.discuss
    firm = inputs.agree - (0 if rules.hedged_support else inputs.agree_hedged)
    if related == 0:
        return "unverified", ["no article about the claim has been found yet"]
    reasons = []
    if inputs.reporters:
        hedge = f", {inputs.hedged_reports} hedged report(s)" if inputs.hedged_reports else ""
        reasons.append(f"sources quoted on it: {_names(inputs.reporters)}{hedge}")
    if inputs.disagree:
        reasons.append(f"{inputs.disagree} article(s) disagree with the claim")
    if inputs.denials:
        reasons.append(f"denied by {_names(inputs.denials)}")
    if inputs.agree:
        hedge = f" ({inputs.agree_hedged} of them hedged)" if inputs.agree_hedged else ""
        reasons.append(f"{inputs.agree} article(s) agree{hedge}")
    if inputs.confirmations:
        reasons.append(f"confirmed by {_names(inputs.confirmations)}")
    if inputs.discuss:
        reasons.append(f"{inputs.discuss} article(s) report it without taking a side")

    if inputs.disagree >= rules.deny_min and inputs.disagree >= rules.deny_ratio * firm:
        return "denied", reasons
    if inputs.disagree or inputs.denials:
        return "disputed", reasons
    if (firm >= rules.confirm_min or inputs.confirmations) and firm >= rules.confirm_share * related:
        return "confirmed", reasons
    if firm < rules.confirm_min and not inputs.confirmations:
        reasons.append(f"fewer than {rules.confirm_min} independent unhedged reports agree")
    else:
        reasons.append("most articles only report the claim")
    return "unverified", reasons
