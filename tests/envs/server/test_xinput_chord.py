"""How the server words a hotkey for xdotool (envs/server/xinput.py `chord`)."""

from __future__ import annotations

from envs.server.xinput import chord


def test_a_chord_holds_the_keys_before_the_last_and_lets_go_in_reverse():
    assert chord(["ctrl", "alt", "t"]) == [
        "keydown",
        "ctrl",
        "keydown",
        "alt",
        "key",
        "t",
        "keyup",
        "alt",
        "keyup",
        "ctrl",
    ]
    assert chord(["Return"]) == ["key", "Return"]
    # No --clearmodifiers: it lost about one Ctrl+Alt+T in ten on fresh osworld desktops.
    assert "--clearmodifiers" not in chord(["ctrl", "s"])
