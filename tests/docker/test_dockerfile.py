"""A structural lint of docker/desktop.Dockerfile (hadolint is not packaged for Debian; the
real build, test_image_build.py, takes minutes and is opt-in): parsed, then checked."""

from __future__ import annotations

import re
import shlex
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "desktop.Dockerfile"


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        word, _, rest = text.partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending, "the file ends inside a continued line"
    return out


@pytest.fixture(scope="module")
def parsed() -> list[tuple[str, str]]:
    return instructions()


def args_of(parsed, name: str) -> list[str]:
    return [rest for word, rest in parsed if word == name]


def test_base_image_is_pinned_debian_12(parsed):
    defaults = dict(a.split("=", 1) for a in args_of(parsed, "ARG") if "=" in a)
    [base] = args_of(parsed, "FROM")
    image = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], base)
    name, _, tag = image.partition(":")
    assert name == "debian" and tag and tag != "latest" and "@" not in name
    assert tag.startswith("12."), f"Debian 12 (bookworm), the project's platform, not {tag}"
    assert re.match(r"12\.\d+", tag), "a point release: a tag that does not move to the next Debian"


def test_packages_come_from_the_ci_script_run_as_root(parsed):
    copies = args_of(parsed, "COPY")
    assert any(c.split()[0] == "scripts/install-debian-packages" for c in copies)
    runs = args_of(parsed, "RUN")
    index = next(i for i, r in enumerate(runs) if "install-debian-packages" in r)
    user_at = [i for i, (w, _) in enumerate(parsed) if w == "USER"]
    run_at = [i for i, (w, r) in enumerate(parsed) if w == "RUN" and "install-debian-packages" in r]
    assert run_at and user_at and run_at[0] < user_at[0]
    assert "rm -rf /var/lib/apt/lists/*" in runs[index]  # no apt lists left in the layer


def test_it_runs_as_a_non_root_user_in_the_end(parsed):
    users = args_of(parsed, "USER")
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    assert any("useradd" in r and users[-1] in r for r in args_of(parsed, "RUN"))


def test_no_secrets_are_baked_in(parsed):
    secret = re.compile(r"(TOKEN|SECRET|PASSWORD|API_KEY|APIKEY)", re.IGNORECASE)
    for word in ("ENV", "ARG", "LABEL"):
        for rest in args_of(parsed, word):
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                assert not (secret.search(key) and value), f"{word} {pair}: a secret in the image"
    text = DOCKERFILE.read_text()
    assert not re.search(r"(hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9]{20,})", text)


def test_healthcheck_and_entrypoint(parsed):
    [health] = args_of(parsed, "HEALTHCHECK")
    assert "/health" in health and "--interval" in health and "DESKPILOT_TOKEN" in health
    [entry] = args_of(parsed, "ENTRYPOINT")
    init, dashes, target = shlex.split(entry.strip("[]").replace(",", " "))
    # tini as PID 1 reaps orphaned app processes (the server would leave them as zombies).
    assert (init, dashes) == ("/usr/bin/tini", "--")
    assert any(" tini" in r and "apt-get install" in r for r in args_of(parsed, "RUN"))
    copied = {c.split()[-1]: c.split()[-2] for c in args_of(parsed, "COPY")}
    assert copied[target] == "docker/desktop-entrypoint.sh"
    env = " ".join(args_of(parsed, "ENV"))
    assert "DESKPILOT_HOST=0.0.0.0" in env and "DESKPILOT_PORT=5000" in env
    assert args_of(parsed, "EXPOSE") == ["5000"]


def test_every_copied_path_exists_and_passes_the_dockerignore(parsed):
    ignore = (ROOT / "docker" / "desktop.Dockerfile.dockerignore").read_text().splitlines()
    rules = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]

    def included(path: str) -> bool:
        keep = True
        for rule in rules:
            negate = rule.startswith("!")
            pattern = rule[1:] if negate else rule
            if (
                fnmatch(path, pattern.rstrip("/"))
                or path.startswith(pattern.rstrip("/") + "/")
                or (pattern.startswith("**/") and fnmatch(path, "*" + pattern[2:]))
            ):
                keep = negate
        return keep

    for rest in args_of(parsed, "COPY"):
        words = [w for w in rest.split() if not w.startswith("--")]
        for source in words[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: no such path"
            assert included(source), f"COPY {source}: excluded by the .dockerignore"
    assert not included(".venv") and not included("runs")


def test_the_venv_gets_the_debian_accessibility_bindings_like_bootstrap(parsed):
    run = next(r for r in args_of(parsed, "RUN") if "python3 -m venv" in r)
    assert "dist-packages/pyatspi" in run and "dist-packages/gi" in run
    assert "from gi.repository import Atspi" in run  # checked at build time
    # A re-signing egress's CA reaches pip as a build secret only: no ARG/ENV, no layer.
    assert "--mount=type=secret,id=pip-cert" in run and "PIP_CERT=/run/secrets/pip-cert" in run
    bootstrap = (ROOT / "scripts" / "bootstrap").read_text()
    assert "dist-packages/pyatspi" in bootstrap  # the same recipe
