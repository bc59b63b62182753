"""The risk classifier and the policy file: rules as data, applied to typed actions."""

from __future__ import annotations

import pytest

from agent.actions import parse_action
from agent.approval import PolicyError, classify, load_policy, unattended


@pytest.fixture(scope="module")
def policy():
    return load_policy()


@pytest.mark.parametrize(
    "action, risk_class",
    [
        ({"type": "click", "target": "the red Delete button in the toolbar"}, "delete_files"),
        ({"type": "double_click", "target": "Move to Trash"}, "delete_files"),
        ({"type": "hotkey", "keys": ["shift", "delete"]}, "delete_files"),
        ({"type": "type", "text": "rm -rf ~/Documents/old", "enter": True}, "delete_files"),
        ({"type": "type", "text": "cd /tmp && find . -name '*.log' -delete"}, "delete_files"),
        ({"type": "click", "target": "Replace in the 'file already exists' dialog"}, "overwrite_files"),
        ({"type": "type", "text": "echo done > report.txt", "enter": True}, "overwrite_files"),
        ({"type": "click", "target": "the Send button of the compose window"}, "send_message"),
        ({"type": "type", "text": "mail -s hi bob@example.com < note.txt"}, "send_message"),
        ({"type": "click", "target": "Place your order"}, "purchase"),
        ({"type": "click", "target": "Buy now"}, "purchase"),
        ({"type": "open", "app_or_file": "gnome-control-center"}, "system_settings"),
        ({"type": "type", "text": "sudo apt-get install vlc", "enter": True}, "system_settings"),
        (
            {"type": "type", "text": "gsettings set org.gnome.desktop.interface clock-format '24h'"},
            "system_settings",
        ),
        ({"type": "call_code_agent", "task": "delete all the .tmp files in Downloads"}, "delete_files"),
        # the task's words are not matched for sending: off a sandbox the call is asked about
        # anyway, and each block that really sends is checked (test_approval_sweep.py)
        ({"type": "call_code_agent", "task": "email the report to the team"}, "code_outside_sandbox"),
        ({"type": "call_code_agent", "task": "sum column B"}, "code_outside_sandbox"),
    ],
)
def test_risky_actions_are_classified(policy, action, risk_class):
    risk = classify(parse_action(action), policy, sandbox=False)
    assert risk is not None and risk.risk_class == risk_class


@pytest.mark.parametrize(
    "action",
    [
        {"type": "click", "target": "the File menu"},
        {"type": "type", "text": "Hello from deskpilot <3"},
        {"type": "type", "text": "=IF(A1>3,1,0)"},
        {"type": "type", "text": "el informe del mes"},  # "del" is a word, not a command here
        {"type": "hotkey", "keys": ["ctrl", "s"]},
        {"type": "hotkey", "keys": ["delete"]},  # a character in a text box
        {"type": "open", "app_or_file": "/home/user/Documents/note.txt"},
        {"type": "scroll", "target": "the document", "clicks": -3},
    ],
)
def test_ordinary_actions_are_not_risky(policy, action):
    assert classify(parse_action(action), policy, sandbox=False) is None


def test_code_agent_is_risky_only_outside_a_sandbox(policy):
    code = parse_action({"type": "call_code_agent", "task": "sum column B"})
    assert classify(code, policy, sandbox=True) is None
    # no task: the coding agent works on the instruction, which is what gets classified
    bare = parse_action({"type": "call_code_agent"})
    risk = classify(bare, policy, sandbox=True, instruction="Delete every file in Downloads")
    assert risk is not None and risk.risk_class == "delete_files" and risk.field == "code"


def test_unattended_needs_a_sandbox_and_a_class_that_allows_it(policy):
    delete = classify(parse_action({"type": "click", "target": "Delete"}), policy, sandbox=True)
    send = classify(parse_action({"type": "click", "target": "Send"}), policy, sandbox=True)
    assert unattended(delete, policy, sandbox=True)
    assert not unattended(delete, policy, sandbox=False)  # default: refuse
    assert not unattended(send, policy, sandbox=True)  # reaches the outside world


def test_policy_file_adds_rules_and_changes_classes(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text("""
[classes.money_app]
description = "anything in the banking app"

[classes.delete_files]
unattended_in_sandbox = false

[[rules]]
class = "money_app"
why = "the bank"
actions = ["switch_application", "open"]
fields = ["app"]
pattern = 'bank'
""")
    policy = load_policy(extra)
    bank = classify(parse_action({"type": "open", "app_or_file": "MyBank"}), policy, sandbox=True)
    assert bank is not None and bank.risk_class == "money_app" and bank.why == "the bank"
    delete = classify(parse_action({"type": "click", "target": "Delete"}), policy, sandbox=True)
    assert delete is not None and not unattended(delete, policy, sandbox=True)
    assert "mine.toml" in policy.source


def test_policy_file_can_replace_the_defaults(tmp_path):
    extra = tmp_path / "only.toml"
    extra.write_text(
        'replace_defaults = true\n[classes.x]\n[[rules]]\nclass = "x"\n'
        'actions = ["hotkey"]\nfields = ["keys"]\npattern = "f12"\n'
    )
    policy = load_policy(extra)
    assert classify(parse_action({"type": "click", "target": "Delete"}), policy, sandbox=False) is None
    assert (
        classify(parse_action({"type": "hotkey", "keys": ["f12"]}), policy, sandbox=False).risk_class == "x"
    )


@pytest.mark.parametrize(
    "text, says",
    [
        ("[[rules]\n", "not valid TOML"),
        ('[[rules]]\nclass = "nope"\npattern = "x"\n', "nope"),
        ('[[rules]]\nclass = "delete_files"\npattern = "(unclosed"\n', "not a regular expression"),
        ('[[rules]]\nclass = "delete_files"\nfields = ["screen"]\n', "fields"),
        ('[[rules]]\nclass = "delete_files"\ncolour = "red"\n', "colour"),
    ],
)
def test_bad_policy_files_get_clear_errors(tmp_path, text, says):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(PolicyError) as err:
        load_policy(bad)
    assert "bad.toml" in str(err.value) and says in str(err.value)


def test_missing_policy_file_is_named(tmp_path):
    with pytest.raises(PolicyError, match="missing.toml"):
        load_policy(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    "code, risk_class",
    [
        ("import shutil\nshutil.rmtree('/home/user/old')", "delete_files"),
        ("from pathlib import Path\nPath('a.txt').unlink()", "delete_files"),
        ("rm -rf ~/Downloads/*", "delete_files"),
        ("import smtplib\ns = smtplib.SMTP('mail')", "send_message"),
        ("import requests\nrequests.post('https://x.example', data=d)", "send_message"),
        ("sudo apt-get install -y vlc", "system_settings"),
        ("gsettings set org.gnome.desktop.interface clock-format '24h'", "system_settings"),
    ],
)
def test_code_blocks_are_classified(policy, code, risk_class):
    from agent.approval import classify_code

    risk = classify_code(code, policy, sandbox=True)
    assert risk is not None and risk.risk_class == risk_class and risk.field == "block"


def test_ordinary_code_and_ordinary_actions_do_not_trip_block_rules(policy):
    from agent.approval import classify_code

    assert (
        classify_code(
            "import csv\nrows = [[i, i * i] for i in range(20)]\n"
            "open('squares.csv', 'w').write(str(rows))\nprint('form done')",
            policy,
            sandbox=False,
        )
        is None
    )
    # a typed text that looks like code is judged by the typing rules, not the block rules
    assert classify(parse_action({"type": "type", "text": "shutil.rmtree(x)"}), policy, sandbox=False) is None
