"""The wheel as a user gets it: built from the checkout's files (tracked and not ignored),
and installed into a fresh venv that cannot see the checkout.

For speed the fresh venv borrows the running venv's third-party packages (a .pth with
plain paths: the editable install's finder there is never run), while deskpilot itself
comes only from the wheel; the tests assert that.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("agent", "grounding", "envs", "benchmarks")


def checkout_files(*under: str) -> list[str]:
    """Paths (relative to the checkout) of its files that git tracks or would track."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("the wheel tests build from a git checkout (git ls-files)")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *under],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    return [p for p in listed.stdout.decode().split("\0") if p and (REPO / p).is_file()]


def _build(dest: Path) -> Path:
    """`pip wheel --no-deps .` on a copy of the checkout (build/ never lands in the checkout,
    and a stale build/ cannot hide a missing file)."""
    src = dest / "src"
    for rel in checkout_files():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    wheels = dest / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)]
    if importlib.util.find_spec("setuptools") is not None:
        command.insert(4, "--no-build-isolation")  # this venv's setuptools: no download
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = wheels.glob("deskpilot-*.whl")
    return wheel


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("wheel"))


@dataclass
class FreshVenv:
    root: Path
    python: Path
    site: Path
    workdir: Path  # a folder outside the checkout to run from

    @property
    def env(self) -> dict[str, str]:
        """The environment for its commands: no PYTHONPATH that could reach the checkout."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["PATH"] = f"{self.root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        return env

    def run(
        self, *args: str, timeout: float = 600, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=self.workdir,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _borrowed_paths() -> list[str]:
    """This venv's site-packages and the plain folders its .pth files add (Debian's gi and
    pyatspi), but none that holds deskpilot's sources."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    paths = [str(purelib)]  # after the fresh venv's own site-packages, which has deskpilot
    for pth in sorted(purelib.glob("*.pth")):
        for line in pth.read_text().splitlines():
            folder = Path(line)
            if (
                line
                and not line.startswith(("#", "import "))
                and folder.is_dir()
                and not any((folder / pkg / "__init__.py").exists() for pkg in PACKAGES)
            ):
                paths.append(line)
    return paths


@pytest.fixture(scope="session")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    root = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    python = root / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "borrowed-dependencies.pth").write_text("\n".join(_borrowed_paths()) + "\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    workdir = tmp_path_factory.mktemp("elsewhere")
    return FreshVenv(root, python, site, workdir)
