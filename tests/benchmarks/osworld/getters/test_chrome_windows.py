"""Chrome's profile getters on a Windows desktop (WAA's chrome tasks): the profile is
read from %LOCALAPPDATA%\\Google\\Chrome\\User Data, found through PowerShell, never
through a POSIX shell the VM does not have."""

from __future__ import annotations

import json

from benchmarks.osworld.getters import GETTERS, EvalContext

CHROME = "C:\\Users\\Docker\\AppData\\Local\\Google\\Chrome\\User Data"


def run(vm, name, tmp_path, **spec):
    return GETTERS[name](EvalContext(vm, tmp_path), spec)


def test_enabled_experiments_and_profile_name_on_windows(windows, tmp_path):
    vm = windows(
        files={
            CHROME + "\\Local State": json.dumps(
                {"browser": {"enabled_labs_experiments": ["show-performance-metrics-hud@1"]}}
            ).encode(),
            CHROME + "\\Default\\Preferences": json.dumps({"profile": {"name": "Thomas"}}).encode(),
        }
    )
    assert run(vm, "enabled_experiments", tmp_path) == ["show-performance-metrics-hud@1"]
    assert run(vm, "profile_name", tmp_path) == "Thomas"
    assert not any(isinstance(c, list) and c[:1] == ["sh"] for c in vm.commands)
    # a fresh profile: upstream's fallbacks
    assert run(windows(), "enabled_experiments", tmp_path) == []
    assert run(windows(), "profile_name", tmp_path) is None
