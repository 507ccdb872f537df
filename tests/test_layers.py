"""House rules that keep the layers apart (STYLE.md 5.3)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
