"""What the wheel holds: every data file the packages read, and the task data with its
licence notices, so an installed deskpilot finds its tasks without the checkout."""

from __future__ import annotations

import re
import textwrap
import zipfile
from pathlib import Path

from tests.packaging.conftest import PACKAGES, REPO, FreshVenv, checkout_files


def test_every_data_file_of_the_packages_is_in_the_wheel(wheel: Path):
    """Any non-.py file under agent/, grounding/, envs/, benchmarks/ (a prompt, a policy, a
    profile's seed file, a task): a data folder moved or added without pyproject.toml's
    package-data fails here."""
    names = set(zipfile.ZipFile(wheel).namelist())
    data = [p for p in checkout_files(*PACKAGES) if not p.endswith(".py") and "/tests/" not in p]
    assert len(data) > 500  # the OSWorld/WAA task files, prompts, profile data, ...
    missing = [p for p in data if p not in names]
    assert missing == [], f"left out of the wheel (pyproject.toml [tool.setuptools.package-data]): {missing}"
    assert not [n for n in names if n.endswith(".pyc") or "/__pycache__/" in n]


def test_the_task_data_ships_with_its_licence_notices(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, licence in (("osworld", "Apache License 2.0"), ("waa", "MIT License")):
        assert f"benchmarks/data/{folder}/test_all.json" in names
        notice = zipfile.ZipFile(wheel).read(f"benchmarks/data/{folder}/NOTICE.md").decode()
        assert licence in notice and "github.com" in notice
    assert (
        len([n for n in names if re.match(r"benchmarks/data/osworld/examples/[^/]+/[^/]+\.json$", n)]) == 369
    )
    assert len([n for n in names if re.match(r"benchmarks/data/waa/examples/[^/]+/[^/]+\.json$", n)]) == 154


def test_the_installed_package_is_the_wheel_and_finds_its_tasks(fresh_venv: FreshVenv):
    """From a folder outside the checkout, with no ../shared: `agent bench osworld` reads
    test_small from the installed package."""
    where = fresh_venv.run(
        str(fresh_venv.python),
        "-c",
        "import agent, benchmarks, envs, grounding; "
        "print(*(m.__file__ for m in (agent, benchmarks, envs, grounding)))",
    )
    assert where.returncode == 0, where.stderr
    for path in where.stdout.split():
        assert Path(path).is_relative_to(fresh_venv.site), path
        assert not Path(path).resolve().is_relative_to(REPO), path
    assert not (fresh_venv.workdir.parent / "shared").exists()
    table = fresh_venv.run(
        str(fresh_venv.root / "bin" / "agent"), "bench", "osworld", "coverage", "--split", "test_small"
    )
    assert table.returncode == 0, table.stdout + table.stderr
    assert re.search(r"^all\s+39\s", table.stdout, re.MULTILINE), table.stdout


def test_the_installed_package_reads_its_data_files(fresh_venv: FreshVenv):
    """The approval policy, the prompts, the osworld profile's seed files and the grounding
    data, each loaded by the code that uses it."""
    code = textwrap.dedent("""
        from agent.approval import load_policy
        from agent.knowledge import app_hints
        from agent.prompts import template
        from envs.profiles.osworld import DATA
        from grounding.synth.resources import DATA_DIR
        assert load_policy().rules
        assert template("planner_system").template
        assert "Export As" in app_hints("export the image in GIMP")
        for name in ("sudo", "google-chrome", "pulse.pa", "vlcrc", "mimeapps.list",
                     "registrymodifications.xcu", "openbox-keybinds.xml"):
            assert (DATA / name).is_file(), name
        assert (DATA_DIR / "templates.json").is_file()
        print("ok")
    """)
    done = fresh_venv.run(str(fresh_venv.python), "-c", code)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
