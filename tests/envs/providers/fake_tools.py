"""Fake `vmrun` and `VBoxManage` executables: each call is appended to calls.jsonl, and the
few answers the providers read come from a small state file (snapshots, the guest IP)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

SCRIPT = r"""#!{python}
import json, sys
from pathlib import Path
here = Path({folder!r})
args = sys.argv[1:]
with open(here / "calls.jsonl", "a") as log:
    log.write(json.dumps([{tool!r}] + args) + "\n")
state_file = here / "state.json"
state = json.loads(state_file.read_text()) if state_file.exists() else {{"snapshots": [], "ip_unknown": 0}}
def save():
    state_file.write_text(json.dumps(state))
if {tool!r} == "vmrun":
    args = args[2:] if args[:1] == ["-T"] else args
    verb = args[0]
    if verb == "getGuestIPAddress":
        if state["ip_unknown"] > 0:
            state["ip_unknown"] -= 1; save(); print("unknown")
        else:
            print("127.0.0.1")
    elif verb == "listSnapshots":
        print(f"Total snapshots: {{len(state['snapshots'])}}")
        for name in state["snapshots"]:
            print(name)
    elif verb == "snapshot":
        state["snapshots"].append(args[2]); save()
    elif verb == "revertToSnapshot" and args[2] not in state["snapshots"]:
        print("Error: A snapshot with that name does not exist"); sys.exit(255)
else:
    if args[:1] == ["snapshot"] and args[2] == "list":
        for i, name in enumerate(state["snapshots"]):
            print(f'SnapshotName{{"-" + str(i) if i else ""}}="{{name}}"')
        if not state["snapshots"]:
            print("This machine does not have any snapshots"); sys.exit(1)
    elif args[:1] == ["snapshot"] and args[2] == "take":
        state["snapshots"].append(args[3]); save()
    elif args[:1] == ["snapshot"] and args[2] == "restore" and args[3] not in state["snapshots"]:
        print("VBoxManage: error: Could not find a snapshot named", args[3], file=sys.stderr); sys.exit(1)
    elif args[:2] == ["guestproperty", "wait"] or args[:2] == ["guestproperty", "get"]:
        print("Value: 127.0.0.1")
"""


class FakeTool:
    def __init__(self, folder: Path, tool: str) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / tool
        self.path.write_text(SCRIPT.format(python=sys.executable, folder=str(folder), tool=tool))
        self.path.chmod(0o755)

    def state(self, **values: object) -> None:
        current = {"snapshots": [], "ip_unknown": 0}
        current.update(values)
        (self.folder / "state.json").write_text(json.dumps(current))

    @property
    def calls(self) -> list[list[str]]:
        log = self.folder / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line)[1:] for line in log.read_text().splitlines()]
