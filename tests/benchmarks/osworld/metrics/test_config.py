"""Settings metrics on files written the way the apps write them: right and wrong answers."""

from __future__ import annotations

import json

import pytest

from benchmarks.osworld.metrics import METRICS

GIMPRC = """# GIMP gimprc
(undo-levels 100)
(theme "Dark")
(default-image
    (width 640))
(show-tooltips no)
"""
PREFS = """// Mozilla User Preferences
user_pref("mail.identity.id1.htmlSigText", "Anonym\\nXYZ Lab");
user_pref("mail.spam.manualMark", true);
user_pref("mailnews.start_page.enabled", false);
"""
FILTERS = """version="9"
logging="no"
name="Move invoices"
enabled="yes"
type="17"
action="Move to folder"
actionValue="mailbox://nobody@Local%20Folders/Invoices"
condition="AND (subject,contains,invoice)"
"""


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_check_config_status_reads_gimprc(tmp_path):
    rc = write(tmp_path, "gimprc", GIMPRC)
    check = METRICS["check_config_status"]
    assert check(rc, {"type:": "key-value", "key": "undo-levels", "value": "100"}) == 1.0
    assert check(rc, {"key": "undo-levels", "value": "5"}) == 0.0
    assert check(rc, {"key": "show-tooltips", "value": "no"}) == 1.0
    assert check(None, {"key": "undo-levels", "value": "100"}) == 0.0


def test_check_json_on_json_and_yaml(tmp_path):
    rules = {
        "expect": [{"key": ["author", "name"], "method": "eq", "ref": "Test Account"}],
        "unexpect": [{"key": ["draft"], "method": "eq", "ref": True}],
    }
    check = METRICS["check_json"]
    good = write(tmp_path, "c.yml", "name: Site\nauthor:\n  name: Test Account\n  email: t@x.org\n")
    bad = write(tmp_path, "d.yml", "name: Site\nauthor:\n  name: Someone\ndraft: true\n")
    assert check(good, rules, is_yaml=True) == 1.0
    assert check(bad, rules, is_yaml=True) == 0.0
    assert (
        check(
            write(tmp_path, "e.json", json.dumps({"author": {"name": "Test Account"}, "draft": True})), rules
        )
        == 0.0
    )  # the unexpected value is there
    assert check(write(tmp_path, "f.json", "{}"), rules) == 0.0  # the key is missing
    import yaml

    with pytest.raises(yaml.YAMLError):  # data only: no Python object is built from the file
        check(write(tmp_path, "g.yml", "!!python/object/apply:os.system ['true']\n"), rules, is_yaml=True)


def test_thunderbird_prefs_and_filters(tmp_path):
    prefs = write(tmp_path, "prefs.js", PREFS)
    check = METRICS["check_thunderbird_prefs"]
    assert (
        check(
            prefs,
            {"expect": {"mail.identity.id1.htmlSigText": {"method": "re.S", "ref": "Anonym\\nXYZ Lab"}}},
        )
        == 1.0
    )
    assert check(prefs, {"expect": {"mail.spam.manualMark": {"method": "eq", "ref": False}}}) == 0.0
    assert check(prefs, {"expect": {"not.there": {"method": "eq", "ref": 1}}}) == 0.0
    assert check(prefs, {"unexpect": {"mailnews.start_page.enabled": {"method": "eq", "ref": False}}}) == 0.0
    filters = write(tmp_path, "msgFilterRules.dat", FILTERS)
    check = METRICS["check_thunderbird_filter"]
    record = {"enabled": "yes", "action": "Move to folder", "condition": ["AND (subject,contains,invoice)"]}
    assert check(filters, {"expect": [record]}) == 1.0
    assert check(filters, {"expect": [{**record, "enabled": "no"}]}) == 0.0
    assert check(filters, {"expect": [record], "unexpect": [{"name": "Move invoices"}]}) == 0.0


def test_vscode_metrics(tmp_path):
    binding = {"key": "ctrl+f", "command": "-list.find", "when": "listFocus && listSupportsFind"}
    keys = write(
        tmp_path, "keybindings.json", "// Place your key bindings in this file\n" + json.dumps([binding])
    )
    check = METRICS["check_json_keybindings"]
    assert check(keys, {"expected": binding}) == 1.0
    assert check(keys, {"expected": {**binding, "key": "ctrl+g"}}) == 0.0
    installed = METRICS["is_extension_installed"]
    assert installed("ms-python.python\nmattn.lisp\n", {"type": "contain", "expected": "mattn.lisp"}) == 1.0
    assert installed("ms-python.python\n", {"type": "contain", "expected": "mattn.lisp"}) == 0.0
    assert installed("ms-python.python\n", {"type": "not_contain", "expected": "mattn.lisp"}) == 1.0
    assert METRICS["compare_config"](write(tmp_path, "c", "a=1\n"), {"expected": "a=1\n"}) == 1.0
    assert METRICS["compare_config"](write(tmp_path, "d", "a=2\n"), {"expected": "a=1\n"}) == 0.0


def test_check_json_settings(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"editor.fontSize": 14, "files.autoSave": "afterDelay"}))
    f = METRICS["check_json_settings"]
    assert f(str(path), {"expected": {"editor.fontSize": 14}}) == 1.0
    assert f(str(path), {"expected": {"editor.fontSize": 12}}) == 0.0
    assert f(str(path), {"expected": {"workbench.colorTheme": "Dark"}}) == 0.0
    assert f(None, {"expected": {}}) == 0.0
    assert f(str(tmp_path / "absent.json"), {"expected": {}}) == 0.0
