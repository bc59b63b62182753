"""The loop_breaker node in the graph (FakeDesktop, scripted model): the change report
decides, a late change prevents a veto, and a veto binds only its re-proposal."""

from __future__ import annotations

from envs.fake import FakeDesktop


def click(x, y, what):
    return {
        "reasoning": f"click {what}",
        "action": {"type": "click", "target": {"description": what, "x": x, "y": y}},
    }


FAIL = {"reasoning": "give up", "action": {"type": "fail", "reason": "stuck"}}


class LateWindow(FakeDesktop):
    """A click on the launcher opens its window only a moment after the screen settled."""

    pending_shots = -1  # screenshots to go before the window shows; -1: not clicked twice yet

    def act(self, actions, settle=None):
        again = self.pointer == (20, 20)  # the first click moved the pointer: a change
        result = super().act(actions, settle)
        if again and self.pending_shots == -1:
            self.pending_shots = 1  # the act node's own screenshot still shows nothing
        return result

    def screenshot(self) -> bytes:
        if self.pending_shots == 0:
            self.windows.append("Late Window")
            self.pending_shots = -2
        elif self.pending_shots > 0:
            self.pending_shots -= 1
        return super().screenshot()


def test_a_window_that_opens_late_is_a_change_not_a_loop(episode):
    launcher = click(20, 20, "the launcher icon")
    desktop = LateWindow(640, 400)
    ep = episode({"planner": [launcher, launcher, launcher, FAIL]}, desktop=desktop)
    ep.run()
    nodes = [s.node for s in ep.steps()]
    assert ep.steps()[1].settle["change"]["pixels"] == 0  # the second click: nothing, yet
    assert nodes == ["act", "act", "act", "fail"], nodes  # the third was not vetoed
    assert "Late Window" in desktop.windows


def test_the_same_action_without_the_late_change_is_vetoed(episode):
    launcher = click(20, 20, "the launcher icon")
    ep = episode({"planner": [launcher, launcher, launcher, FAIL]})
    ep.run()
    assert [s.node for s in ep.steps()] == ["act", "act", "loop_breaker", "fail"]


def test_a_veto_binds_its_re_proposal_only(episode):
    dead = click(300, 300, "the Save button")
    typing = {"reasoning": "type", "action": {"type": "type", "text": "hello"}}
    save = {"reasoning": "save", "action": {"type": "hotkey", "keys": ["ctrl", "s"]}}
    done = {"reasoning": "done", "action": {"type": "done", "summary": "done"}}
    ep = episode(
        {
            "planner": [dead, dead, dead, typing, save, done],
            "verifier": [{"complete": True, "reason": "hello is there"}],
        }
    )
    _, result = ep.run()
    nodes = [s.node for s in ep.steps()]
    # The first click moved the pointer (a change on this fake's screen), the second did
    # nothing; the third is vetoed. Typing and Ctrl+S after it are not (a keyboard ban
    # used to follow the veto until something ran).
    assert nodes == ["act", "act", "loop_breaker", "act", "act", "verify"], nodes
    assert result.status == "done" and ep.desktop.text == "hello"
