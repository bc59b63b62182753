"""agent/verify_rules.py: the verifier's post-rules and the rejection counter."""

from __future__ import annotations

import pytest

from agent.decision import Verdict
from agent.verify_rules import RejectionTracker, apply_post_rules, uncertain_phrase

OK = Verdict(complete=True, reason="The status bar shows 'Saved' and the title has no asterisk.")


def test_unreadable_reply_is_a_rejection():
    for raw in ("", "   ", "Sure! The task looks complete.", '{"complete": "maybe"'):
        verdict = apply_post_rules(raw, None)
        assert not verdict.complete
        assert "could not be read" in verdict.reason or "empty" in verdict.reason
        assert verdict.missing_steps == ["re-check the task state"]


def test_a_clean_acceptance_and_any_rejection_pass_unchanged():
    assert apply_post_rules(OK.model_dump_json(), OK) is OK
    no = Verdict(complete=False, reason="I cannot verify the export.", missing_steps=["export as PDF"])
    assert apply_post_rules("{}", no) is no  # hedges only matter when it says complete


def test_complete_with_missing_steps_is_a_rejection():
    claimed = Verdict(complete=True, reason="Looks done.", missing_steps=["save the file"])
    verdict = apply_post_rules("{}", claimed)
    assert not verdict.complete and verdict.missing_steps == ["save the file"]
    assert "missing steps" in verdict.reason and "Looks done." in verdict.reason
    # "none" or blank entries are not missing steps.
    fine = Verdict(complete=True, reason=OK.reason, missing_steps=["None", " ", "N/A."])
    assert apply_post_rules("{}", fine) is fine


@pytest.mark.parametrize(
    "reason",
    [
        "I cannot verify that the file was saved.",
        "I can't verify the value in B2.",
        "I can\u2019t verify it from this screenshot.",
        "Not sure whether the setting persisted.",
        "Unable to confirm the export finished.",
        "It is unclear whether the dialog was accepted.",
        "The change may not have been applied.",
        "The file might not exist yet.",
        "The document appears to be saved.",
        "The row seems to be deleted.",
        "The chart is probably correct.",
        "Cannot   Verify the header text.",
    ],
)
def test_an_uncertain_acceptance_is_a_rejection(reason):
    verdict = apply_post_rules("{}", Verdict(complete=True, reason=reason))
    assert not verdict.complete
    assert reason in verdict.reason and verdict.missing_steps


@pytest.mark.parametrize(
    "reason",
    [
        "I can verify that the file is saved: the title bar reads report.odt.",
        "I can confirm the value 42 is in cell B2.",
        "The dialog is clearly closed and the UI is stable.",
        "The 'Likelihood' column is now sorted descending.",
        "An unlikely value was replaced; the cell now reads 7.",
        "The appearance settings show the dark theme selected.",
        "The May report is open and the sheet is named 'Summary'.",
    ],
)
def test_certain_reasons_are_not_false_positives(reason):
    verdict = Verdict(complete=True, reason=reason)
    assert uncertain_phrase(reason) is None
    assert apply_post_rules("{}", verdict) is verdict


def test_rejection_tracker_gives_up_after_three_in_a_row():
    no = Verdict(complete=False, reason="not saved")
    tracker = RejectionTracker()
    assert [tracker.record(no) for _ in range(2)] == ["reject", "reject"]
    assert tracker.record(OK) == "accept" and tracker.consecutive == 0  # an accept resets
    assert [tracker.record(no) for _ in range(3)] == ["reject", "reject", "give_up_accept"]
    failing = RejectionTracker(max_consecutive=2, on_limit="fail")  # failing is a choice
    assert [failing.record(no) for _ in range(2)] == ["reject", "give_up_fail"]
    with pytest.raises(ValueError):
        RejectionTracker(max_consecutive=0)
    with pytest.raises(ValueError):
        RejectionTracker(on_limit="maybe")  # type: ignore[arg-type]
