"""The Completeness Verifier's post-rules (docs/agent.md), applied in code to its reply.

The verifier model is told to be conservative; these rules make sure a sloppy reply
cannot accept a `done` anyway: an unreadable reply, complete=true with missing steps, or
complete=true with a hedging reason is a rejection. `RejectionTracker` decides when a run
of rejections ends the episode.

Unlike upstream, the rejection's reason and missing steps always go back to the planner
(the graph puts them in the next planning step); nothing here drops them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from agent.decision import Verdict

# Hedges that mean the verifier did not actually see the result. Matched case-insensitive
# on word boundaries, so "I can verify", "clearly" or "unlikelihood" do not match.
UNCERTAIN_PHRASES: tuple[str, ...] = (
    "cannot verify",
    "can not verify",
    "can't verify",
    "could not verify",
    "couldn't verify",
    "unable to verify",
    "not able to verify",
    "no way to verify",
    "not verified",
    "unverified",
    "cannot confirm",
    "can't confirm",
    "could not confirm",
    "couldn't confirm",
    "unable to confirm",
    "not confirmed",
    "unconfirmed",
    "cannot determine",
    "can't determine",
    "unable to determine",
    "hard to tell",
    "difficult to tell",
    "cannot tell",
    "can't tell",
    "not sure",
    "unsure",
    "not certain",
    "uncertain",
    "unclear",
    "not clear",
    "may not",
    "might not",
    "may have",
    "might have",
    "appears to",
    "appear to",
    "seems to",
    "seem to",
    "presumably",
    "probably",
    "likely",
    "assume",
    "assuming",
    "assumed",
    "i think",
    "i believe",
)
_UNCERTAIN = re.compile(
    r"\b(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in UNCERTAIN_PHRASES) + r")\b",
    re.IGNORECASE,
)
# Models write "none" or "n/a" in a list that should be empty; those are not missing steps.
_EMPTY_STEPS = {"", "none", "n/a", "na", "-", "nothing", "no missing steps"}

Outcome = Literal["accept", "reject", "give_up_fail", "give_up_accept"]


def uncertain_phrase(reason: str) -> str | None:
    """The first hedging phrase in a reason, or None."""
    found = _UNCERTAIN.search(reason.replace("\u2019", "'"))  # curly apostrophes count too
    return found.group(0) if found else None


def _real_steps(steps: list[str]) -> list[str]:
    return [s for s in steps if s.strip().strip(".").lower() not in _EMPTY_STEPS]


def apply_post_rules(raw_text: str, parsed: Verdict | None) -> Verdict:
    """The verdict that counts: `parsed` unchanged, or a rejection with its reason."""
    if parsed is None:
        what = (
            "was empty"
            if not raw_text.strip()
            else "could not be read (not valid JSON for the verdict schema)"
        )
        return Verdict(
            complete=False,
            reason=f"The verifier reply {what}, so done is not accepted yet.",
            missing_steps=["re-check the task state"],
        )
    if not parsed.complete:
        return parsed
    missing = _real_steps(parsed.missing_steps)
    if missing:
        return Verdict(
            complete=False,
            missing_steps=missing,
            reason="Rejected: the verifier said complete but listed missing steps. " + parsed.reason,
        )
    phrase = uncertain_phrase(parsed.reason)
    if phrase is not None:
        return Verdict(
            complete=False,
            reason=f"Rejected: the verifier was not certain ({phrase!r}). " + parsed.reason,
            missing_steps=["make the result visible on screen and check it against every criterion"],
        )
    return parsed


def rejections_of_this_claim(turns: Sequence[Mapping[str, Any]]) -> int:
    """Verifier rejections since the agent last did work (an act or code step that ran).

    A "done" after real work is a new claim; one after only searches, vetoes or refusals
    repeats the claim the verifier already rejected. Only repeats count toward the limit,
    so a long task with a few honest rejections along the way is never ended by them."""
    count = 0
    for turn in reversed(turns):
        node = turn.get("node")
        if node == "verify":
            count += 1
        elif node in ("act", "code") and not turn.get("vetoed"):
            break
    return count


class RejectionTracker:
    """Counts consecutive rejections of the same `done` claim; at the limit the claim stands
    or falls by the settings.

    on_limit="accept" (the default, as upstream when the rejections do not say infeasible)
    accepts the done and says so in the trajectory; "fail" ends the episode as a failure,
    an explicit choice. An acceptance resets the count.
    """

    def __init__(self, max_consecutive: int = 3, on_limit: Literal["fail", "accept"] = "accept") -> None:
        if max_consecutive < 1:
            raise ValueError("max_consecutive must be at least 1")
        if on_limit not in ("fail", "accept"):
            raise ValueError("on_limit must be 'fail' or 'accept'")
        self.max_consecutive = max_consecutive
        self.on_limit = on_limit
        self.consecutive = 0

    def record(self, verdict: Verdict) -> Outcome:
        """Record a verdict (after apply_post_rules) and say what the graph does next."""
        if verdict.complete:
            self.consecutive = 0
            return "accept"
        self.consecutive += 1
        if self.consecutive >= self.max_consecutive:
            return "give_up_fail" if self.on_limit == "fail" else "give_up_accept"
        return "reject"
