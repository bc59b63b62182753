"""Running a hypervisor's command line (vmrun, VBoxManage) with errors that say what failed."""

from __future__ import annotations

import shutil
import subprocess

from envs.providers.base import ProviderError


def run_tool(args: list[str], timeout: float = 600.0, check: bool = True) -> str:
    """stdout of the command; ProviderError with its output when it fails or is missing."""
    if shutil.which(args[0]) is None:
        raise ProviderError(f"{args[0]} is not installed or not on PATH")
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ProviderError(f"`{' '.join(args)}` did not finish in {timeout:g} s") from None
    if check and done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip())[-1500:]
        raise ProviderError(f"`{' '.join(args)}` failed (exit {done.returncode}): {said}")
    return done.stdout
