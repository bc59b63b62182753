"""Metrics on the desktop's state (folders, GNOME favourites, time zone, clipboard)."""

from __future__ import annotations

from benchmarks.osworld.metrics import METRICS


def test_check_moved_jpgs():
    f = METRICS["check_moved_jpgs"]
    listing = {
        "type": "directory",
        "name": "cpjpg",
        "children": [{"type": "file", "name": "a.jpg"}, {"type": "file", "name": "b.jpg"}],
    }
    assert f(listing, {"expected": ["b.jpg", "a.jpg"]}) == 1.0
    assert f(listing, {"expected": ["a.jpg"]}) == 0.0
    assert f(None, {"expected": ["a.jpg"]}) == 0.0


def test_check_gnome_favorite_apps():
    f = METRICS["check_gnome_favorite_apps"]
    rule = {"expected": ["google-chrome.desktop", "thunderbird.desktop"]}
    assert f("['thunderbird.desktop', 'google-chrome.desktop']\n", rule) == 1.0
    assert f("['thunderbird.desktop', 'vim.desktop', 'google-chrome.desktop']\n", rule) == 0.0
    assert f("@as []\n", rule) == 0.0
    assert f("__import__('os').system('true')", rule) == 0.0  # never evaluated


def test_is_utc_0():
    out = (
        "               Local time: Thu 2024-01-25 12:56:06 {tz}\n"
        "           Universal time: Thu 2024-01-25 12:56:06 UTC\n"
        "                 RTC time: Thu 2024-01-25 12:56:05\n"
        "                Time zone: {zone}\n"
        "System clock synchronized: yes\n"
    )
    f = METRICS["is_utc_0"]
    assert f(out.format(tz="WET", zone="Atlantic/Faroe (WET, +0000)")) == 1.0
    assert f(out.format(tz="CET", zone="Europe/Paris (CET, +0100)")) == 0.0
    assert f("") == 0.0


def test_is_in_vm_clickboard():
    f = METRICS["is_in_vm_clickboard"]
    assert f({"expected": "/home/user/Data3/List3/secret.docx"}, "/home/user/Data3/List3/secret.docx") == 1.0
    assert f({"expected": "/home/user/Data3/List3/secret.docx"}, "/home/user/secret.docx") == 0.0
    assert f({"expected": ["a", "b"]}, "a b") == 1.0
    assert f({"expected": ["a", "c"]}, "a b") == 0.0
