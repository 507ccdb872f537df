"""House rules that keep the layers apart (STYLE.md 5.3, CONTRIBUTING.md "Layers").

Which package may import which is the import-linter contract in pyproject.toml,
run here; the rest are checks of single files that a contract cannot express.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT

# dashboard.py, pages/ and the wellbeing/ui/ package; the layer contract in
# pyproject.toml checks the same for the packages (test_the_layer_contract_holds).
STREAMLIT_ALLOWED = {ROOT / "dashboard.py", ROOT / "pages", ROOT / "wellbeing" / "ui"}


def python_files(*, with_bench: bool = False) -> list[Path]:
    """The app's own code; the benchmark harness drives the app as tests do, so is apart."""
    folders = ["wellbeing", "queries", "pages", "sample_data"] + (["bench"] if with_bench else [])
    files = [ROOT / "dashboard.py"]
    for folder in folders:
        files.extend((ROOT / folder).rglob("*.py"))
    return sorted(files)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_router_pages_and_ui_helper_import_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for path in python_files()
        if "streamlit" in imported_modules(path)
        and not STREAMLIT_ALLOWED.intersection({path, *path.parents})
    ]
    assert offenders == []


def test_pages_do_not_write_sql():
    sql_words = re.compile(
        r"\b(select|insert|update|delete)\b[^\n]*\b(from|into|set|where)\b", re.I
    )
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "pages").glob("*.py")
        if sql_words.search(path.read_text(encoding="utf-8")) or "duckdb" in imported_modules(path)
    ]
    assert offenders == []


def test_every_named_query_has_its_sql_file_and_every_sql_file_is_used():
    named, quoted = set(), set()
    for path in python_files():
        text = path.read_text(encoding="utf-8")
        named.update(re.findall(r"\bsql\(\s*[\"']([a-z0-9_]+)[\"']", text))
        # Some functions wrap a named query in another (a shared CTE), passing its name on.
        quoted.update(re.findall(r"[\"']([a-z0-9_]+)[\"']", text))
    files = {path.stem for path in (ROOT / "queries").glob("*.sql")}
    assert sorted(named - files) == [], "named queries without a .sql file"
    assert sorted(files - named - quoted) == [], ".sql files nothing runs"


def test_every_sql_file_opens_with_a_comment_saying_what_it_answers():
    missing = [
        path.name
        for path in (ROOT / "queries").glob("*.sql")
        if not path.read_text(encoding="utf-8").lstrip().startswith("--")
    ]
    assert missing == []


def test_query_functions_never_format_values_into_sql():
    formatted = re.compile(r"execute\(\s*f[\"']|execute\([^)]*\.format\(|execute\([^)]*%\s")
    offenders = [
        str(path.relative_to(ROOT))
        for path in python_files(with_bench=True)
        if formatted.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def lint_imports(folder: Path) -> subprocess.CompletedProcess:
    """Run the lint-imports console script on the contracts in ``folder``'s pyproject.toml."""
    script = Path(sys.executable).with_name("lint-imports")
    command = str(script) if script.exists() else shutil.which("lint-imports")
    assert command, "lint-imports is missing: pip install -e '.[test]'"
    return subprocess.run(
        [command, "--no-cache", "--no-logo"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},  # one contract per line in the report
        timeout=300,
    )


def test_the_layer_contract_holds():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def contract_name(contract_id: str) -> str:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == contract_id]
    return contract["name"]


# Each a line written into a copy of the code, and the contract it breaks.
VIOLATIONS = [
    pytest.param(
        "wellbeing/core/roles.py", "from wellbeing.ui import run", "layers", id="core-imports-ui"
    ),
    pytest.param(
        "queries/survey.py", "from wellbeing.present import figures", "layers", id="queries-upward"
    ),
    pytest.param(
        "wellbeing/ingest/uploads.py",
        "from wellbeing.present import exports",
        "layers",
        id="ingest-imports-its-sibling-present",
    ),
    pytest.param(
        "wellbeing/present/figures.py", "import streamlit", "streamlit", id="streamlit-outside-ui"
    ),
    pytest.param(
        "wellbeing/ingest/staff.py",
        "def load_sample():\n    from wellbeing.ingest.demo import DEMO_USER",
        "acyclic",
        id="the-demo-cycle-hidden-in-a-function",
    ),
    pytest.param(
        "wellbeing/present/charts/common.py",
        "from queries.cache import memoised",
        "drawing",
        id="a-chart-imports-the-query-layer",
    ),
    pytest.param(
        "wellbeing/privacy/rules.py", "import duckdb", "no-database", id="privacy-imports-duckdb"
    ),
]


@pytest.mark.parametrize(("module", "line", "contract"), VIOLATIONS)
def test_the_layer_contract_refuses_a_deliberate_violation(tmp_path, module, line, contract):
    for package in ("wellbeing", "queries"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / module).open("a", encoding="utf-8") as handle:
        handle.write(f"\n{line}\n")
    result = lint_imports(tmp_path)
    report = result.stdout + result.stderr
    assert result.returncode != 0, report
    # Others may break too: an upward import reaches whatever the layer above imports.
    assert f"{contract_name(contract)} BROKEN" in report, report


def test_the_server_imports_none_of_the_dashboard_before_it_listens():
    # serve.py listens as soon as Streamlit and the gates are imported; the dashboard's
    # modules (pandas, scipy, the queries, the charts: 0.6 s) are imported on a thread
    # while the first browser loads (wellbeing.ui.run.warm_start). A top-level import
    # that pulls them into the gates delays every start by that much.
    heavy = ["pandas", "scipy", "queries", "wellbeing.present", "wellbeing.ui.run"]
    code = (
        "import sys; import wellbeing.ui.serving; "
        f"print([name for name in {heavy!r} if name in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_the_dashboards_modules_import_scipy_only_when_a_figure_needs_it():
    # A restart's first page is drawn from the figures kept for it (queries/first_view.py):
    # scipy's quantiles (0.15 s of imports) are not needed for it, and imported sooner
    # they slowed the browser loading that page. The warm-up imports them after it.
    from wellbeing.ui import run

    code = (
        "import importlib, sys\n"
        f"for name in {['wellbeing.ui.run', *run._page_imports()]!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        pass\n"
        "print([name for name in sys.modules if name.split('.')[0] == 'scipy'][:3])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_every_name_the_pages_use_from_ui_is_its_modules_own():
    # wellbeing.ui imports each name's module on first use. A submodule imported under a
    # name the package also exports would shadow it (``ui.filters`` a module, not the
    # function): every module is imported first, then every name is checked.
    import importlib

    from wellbeing import ui

    for module in ui.modules():
        importlib.import_module(f"wellbeing.ui.{module}")
    for name in ui.__all__:
        value = getattr(ui, name)
        assert not isinstance(value, type(ui)), f"ui.{name} is a module"
        assert name in dir(ui)
    with pytest.raises(AttributeError):
        _ = ui.no_such_name
