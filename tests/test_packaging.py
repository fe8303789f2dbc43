"""butler-tui installed like a product: the wheel, in a venv of its own outside the checkout, runs.

The wheel is built with the build backend the project names (hatchling, from the test extras: no
download), installed into a fresh venv; the venv reaches the dependencies through a path file pointing at
this environment's site-packages (the very versions the suite runs against, and no network), where the
project itself is only an editable hook that a path file does not run, so the code imported is the
wheel's. Also: every third-party module the code imports is a declared dependency.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import time
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "butler_tui"


def _run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BUTLER_DB", "BUTLER_TOKEN", "BUTLER_PIN")}
    result = subprocess.run(args, cwd=cwd, env={**env, "BUTLER_LANG": "en", **kwargs.pop("env", {})},
                            capture_output=True, text=True, timeout=120, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh venv with the wheel installed."""
    pytest.importorskip("hatchling", reason="the build backend comes with the test extras")
    base = tmp_path_factory.mktemp("wheel")
    started = time.monotonic()
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
          "-w", str(base / "dist")], cwd=base)
    [wheel] = (base / "dist").glob("butler_tui-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    python = venv / "bin" / "python"
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=base).stdout.strip()
    Path(site, "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
         cwd=base)
    print(f"wheel built and installed in {time.monotonic() - started:.1f} s")
    return venv / "bin"


def test_the_installed_wheel_loads_the_demo_and_imports_its_own_sample(installed: Path, tmp_path: Path):
    where = _run([str(installed / "python"), "-c",
                  "import butler_tui; from butler_tui.services.demo import data_dir;"
                  " print(butler_tui.__file__); print(data_dir())"], cwd=tmp_path).stdout.split()
    assert where[0].startswith(str(installed.parent)) and not where[0].startswith(str(ROOT))
    sample = Path(where[1], "sample-pms-arrivals.csv")
    assert sample.is_file() and sample.is_relative_to(installed.parent)

    butler = str(installed / "butler")
    demo = _run([butler, "--db", "hotel.db", "demo", "--no-tui"], cwd=tmp_path)
    assert "loaded demo hotel into hotel.db" in demo.stdout and "PIN 1234" in demo.stdout
    imported = _run([butler, "--db", "hotel.db", "import", "arrivals", str(sample), "--staff", "0004", "--by-pin", "1234"],
                    cwd=tmp_path)
    assert "15 rows — 15 new" in imported.stdout
    # The compiled catalogue and the browser page ship in the wheel too.
    assert "管家团队各岗位" in _run([butler, "--lang", "zh", "--help"], cwd=tmp_path).stdout
    assert "--allow-remote" in _run([butler, "serve", "--help"], cwd=tmp_path).stdout
    assert Path(where[0]).parent.joinpath("cli", "web", "app_index.html").is_file()


def test_the_installed_command_completes_in_bash(installed: Path, tmp_path: Path):
    script = _run([str(installed / "butler")], cwd=tmp_path, env={"_BUTLER_COMPLETE": "bash_source"}).stdout
    assert "_butler_completion" in script and "complete -o nosort -F _butler_completion butler" in script
    words = _run([str(installed / "butler")], cwd=tmp_path,
                 env={"_BUTLER_COMPLETE": "bash_complete", "COMP_WORDS": "butler se", "COMP_CWORD": "1"}).stdout
    assert "plain,send" in words and "plain,serve" in words


def _imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"butler_tui"}


def _names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[\s<>=~!;\[]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_every_imported_distribution_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = _names(project["dependencies"])
    extras = {name: _names(reqs) for name, reqs in project["optional-dependencies"].items()}
    owners = packages_distributions()
    modules = _imported_top_level_modules()

    def dists(module: str) -> set[str]:
        return {d.lower().replace("_", "-") for d in owners.get(module, [module])}

    undeclared = {m: dists(m) for m in modules
                  if not dists(m) & (declared | extras["serve"] | extras["postgres"] | extras["test"])}
    assert undeclared == {}
    # What the station and the commands need is a dependency; the extras are for `serve`, a PostgreSQL
    # server and the tools.
    optional = {m for m in modules if not dists(m) & declared}
    assert optional == {"textual_serve", "babel", "psycopg", "sqlglot"}
