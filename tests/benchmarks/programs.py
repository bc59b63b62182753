"""The programs a task started on a shared desktop, and waiting them out before the next
task: LibreOffice, GIMP or mousepad launched while an instance of it still exits hands the
new launch to the dying one, and no window opens."""

from __future__ import annotations

import time
from collections.abc import Iterable


def program_pids(client, names: Iterable[str], among: set[str] | None = None) -> set[str]:
    """Pids (as text) of live processes named one of `names`, only those in `among` if given."""
    wanted = set(names)
    out = client.execute(["ps", "-eo", "pid=,stat=,comm="]).output
    return {
        f[0]
        for line in out.splitlines()
        if len(f := line.split(None, 2)) == 3
        and "Z" not in f[1]
        and f[2].strip() in wanted
        and (among is None or f[0] in among)
    }


def wait_gone(
    client, names: Iterable[str], pids: set[str], timeout: float = 30.0, kill: bool = False
) -> None:
    """Until none of `pids` runs one of the programs `names`; then kill what is left if asked."""
    names = set(names)
    deadline = time.monotonic() + timeout
    while (left := program_pids(client, names, among=pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left if kill else ():
        client.execute(["kill", "-KILL", pid])
