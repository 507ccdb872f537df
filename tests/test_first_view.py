"""The first view kept for the next start: written exactly, read only where it still holds.

A session's first view of the Overview is kept in the store (queries/first_view.py)
and a new server process looks it up before its first run (wellbeing/ui/run.py), so
the first leader after a restart does not wait for the same figures to be worked out
again. These tests check the codec (JSON and Arrow, never pickles), the memo's
recording, what is kept and when it is read, and a restart through dashboard.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import queries
from queries import cache, first_view, settings
from queries.survey_gate import Filters
from wellbeing import privacy
from wellbeing.store import kept_values

ROOT = Path(__file__).resolve().parents[1]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": ["A", None, "C"],
            "n": np.array([5, 6, 7], dtype="int64"),
            "mean": [3.25, math.nan, 1.0],
            "shown": [True, False, True],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "band": pd.Categorical(["low", "high", "low"]),
            "on": pd.to_datetime(["2026-01-01", "2026-02-01", None]),
        },
        index=pd.Index([10, 20, 30], name="row"),
    )


def test_the_values_a_page_is_given_come_back_exactly_as_they_were():
    value = {
        "frame": _frame(),
        "empty": pd.DataFrame({"team": pd.Series([], dtype="object")}),
        "table": pa.table({"x": [1, 2], "y": ["a", None]}),
        "filters": Filters(wave_id=3, service="Children's services"),
        "rules": privacy.Rules(min_group_size=7, sensitive_min_group_size=10),
        "dates": (dt.date(2026, 9, 1), dt.datetime(2026, 9, 1, 12, 30)),
        "numbers": [np.int64(4), np.float64(math.nan), 2.5, math.inf, -7, None, True],
        "teams": frozenset({"A", "B"}),
        ("a", 1): ["nested", ("tuple", [1, 2])],
    }
    text, frames = kept_values.kept_exactly(value)
    back = kept_values.decode(text, frames)
    assert kept_values.same(back, value)
    assert back["frame"]["count"].dtype == "Int64"
    assert isinstance(back["frame"]["band"].dtype, pd.CategoricalDtype)
    assert back["frame"].index.name == "row"
    assert type(back["numbers"][0]) is np.int64
    assert isinstance(back["filters"], Filters) and back["rules"].min_group_size == 7
    assert json.loads(text)["value"]["dict"]  # plain JSON, with the frames beside it


@dataclasses.dataclass(frozen=True)
class _NotOurs:
    value: int


@pytest.mark.parametrize(
    "value",
    [
        pd.Series([1, 2]),
        _NotOurs(1),
        {1, 2},
        object(),
        pd.DataFrame([[1, 2]], columns=["a", "a"]),
    ],
    ids=["series", "a dataclass from elsewhere", "set", "object", "repeated column names"],
)
def test_a_value_that_would_not_come_back_exactly_is_refused(value):
    with pytest.raises(kept_values.Unkeepable):
        kept_values.kept_exactly(value)


def test_a_frame_arrow_would_hand_back_with_another_dtype_or_not_at_all_is_refused():
    numbers_as_objects = pd.DataFrame({"n": pd.Series([1, 2], dtype="object")})
    with pytest.raises(kept_values.Unkeepable, match="would not come back the same"):
        kept_values.kept_exactly(numbers_as_objects)
    with pytest.raises(kept_values.Unkeepable, match="cannot be written"):
        kept_values.kept_exactly(pd.DataFrame({"mixed": [1, "one"]}))


@pytest.mark.parametrize(
    "document",
    [
        {"value": {"dataclass": "os:system", "fields": {}}, "frames": []},
        {"value": {"dataclass": "builtins:eval", "fields": {}}, "frames": []},
        {"value": {"dataclass": "queries.first_view:load", "fields": {}}, "frames": []},
        {"value": {"dataclass": "wellbeing.privacy.rules:Rules", "fields": {"x": 1}}, "frames": []},
        {"value": {"pickle": "gASVAAAAAAAAAAB9lC4="}, "frames": []},
        {"value": {"frame": 0}, "frames": [[0, 40]]},
        {"frames": []},
    ],
    ids=["os.system", "eval", "a function", "other fields", "unknown tag", "bad stream", "empty"],
)
def test_a_stored_value_naming_anything_else_is_refused_without_running_it(document):
    with pytest.raises(kept_values.Unkeepable):
        kept_values.decode(json.dumps(document), b"\0" * 40)


def test_same_tells_apart_what_a_reader_would_see_differently():
    frame = _frame()
    assert kept_values.same(frame, frame.copy())
    assert not kept_values.same(frame, frame.astype({"n": "float64"}))
    assert not kept_values.same(frame, frame.reset_index(drop=True))
    assert not kept_values.same(frame, frame[list(reversed(frame.columns))])
    assert not kept_values.same([1, 2], (1, 2))
    assert not kept_values.same(np.int64(1), 1)
    assert kept_values.same(math.nan, math.nan)


# --- the memo's recording ---------------------------------------------------------

CALLS: Counter = Counter()


@cache.memoised
def _inner(con, *, wave_id: int) -> pd.DataFrame:
    CALLS["inner"] += 1
    return pd.DataFrame({"wave": [wave_id], "n": [con.execute("select 42").fetchone()[0]]})


@cache.memoised
def _outer(con, *, wave_id: int, filters: Filters) -> pd.DataFrame:
    CALLS["outer"] += 1
    return _inner(con, wave_id=wave_id).assign(service=filters.service)


@cache.memoised
def _dated(con, *, wave_id: int) -> int:
    queries.sql("response_rates_by_team")  # a question that reads today's date
    return wave_id


@cache.memoised
def _from_dated(con, *, wave_id: int) -> int:
    return _dated(con, wave_id=wave_id) + 1


@contextmanager
def _recording() -> Iterator[cache.Recording]:
    cache.start_recording()
    noted = cache.Recording()
    try:
        yield noted
    finally:
        noted.figures.update(cache.stop_recording().figures)


def test_a_recording_notes_the_outermost_figures_with_their_reader_and_arguments(con):
    CALLS.clear()
    filters = Filters(wave_id=1, service="S")
    with _recording() as noted:
        _outer(con, wave_id=1, filters=filters)
    assert CALLS == {"outer": 1, "inner": 1}
    ((function, whose, arguments),) = noted.figures
    assert function == (__name__, "_outer")
    assert whose == cache.reader()
    assert arguments == (("filters", filters), ("wave_id", 1))
    assert not noted.reads_clock
    assert cache.stop_recording() is None  # stopped: nothing noted since


def test_figures_preloaded_are_served_without_working_them_out(con):
    CALLS.clear()
    filters = Filters(wave_id=2)
    with _recording() as noted:
        expected = _outer(con, wave_id=2, filters=filters)
    cache.clear()
    cache.preload(con, noted.figures)
    got = _outer(con, wave_id=2, filters=filters)
    assert CALLS == {"outer": 1, "inner": 1}
    assert kept_values.same(got, expected)
    got["n"] = 0  # a caller's change is not kept
    assert _outer(con, wave_id=2, filters=filters)["n"].tolist() == [42]


def test_a_figure_worked_out_with_todays_date_marks_the_recording_even_when_kept(con):
    with _recording() as noted:
        _dated(con, wave_id=1)
    assert noted.reads_clock
    with _recording() as noted:
        _from_dated(con, wave_id=1)  # its inner figure is found kept, still dated
    assert noted.reads_clock
    with _recording() as noted:
        _from_dated(con, wave_id=1)  # both found kept
    assert noted.reads_clock
    with _recording() as noted:
        _outer(con, wave_id=1, filters=Filters(wave_id=1))
    assert not noted.reads_clock


# --- keeping and looking up ------------------------------------------------------


def _noted(con, wave_id: int = 3) -> dict:
    with _recording() as noted:
        _outer(con, wave_id=wave_id, filters=Filters(wave_id=wave_id))
        settings.rules(con)
    return noted.figures


def test_a_kept_first_view_is_found_for_the_same_data_and_code(con):
    figures = _noted(con)
    assert first_view.keep(con, cache.reader(), figures)
    cache.clear()
    CALLS.clear()
    assert first_view.load(con) == [cache.reader()]
    _outer(con, wave_id=3, filters=Filters(wave_id=3))
    assert CALLS == {}


def test_a_change_of_the_data_leaves_the_kept_view_unread_and_the_next_replaces_it(con):
    first_view.keep(con, cache.reader(), _noted(con))
    settings.upsert_setting(con, key="anything", value="changed")
    assert first_view.load(con) == []
    first_view.keep(con, cache.reader(), _noted(con, wave_id=4))
    rows = con.execute("select data_version from kept_first_view").fetchall()
    assert rows == [(json.dumps(list(cache.data_version(con))),)]


def test_another_build_of_the_dashboard_does_not_read_the_kept_view(con, monkeypatch):
    first_view.keep(con, cache.reader(), _noted(con))
    monkeypatch.setattr(first_view, "_digest", ["another build"])
    assert first_view.load(con) == []


def test_a_view_with_a_figure_that_cannot_be_kept_exactly_is_not_kept_at_all(con):
    figures = _noted(con)
    figures[((__name__, "_odd"), cache.reader(), ())] = pd.Series([1])
    assert not first_view.keep(con, cache.reader(), figures)
    assert con.execute("select count(*) from kept_first_view").fetchone() == (0,)


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("figures", '{"value":{"dataclass":"os:system","fields":{}},"frames":[]}'),
        ("figures", '{"value":{"dataclass":"wellbeing.nosuch:Thing","fields":{}},"frames":[]}'),
        ("figures", '{"value":{"list":[{"list":[1,2]}]},"frames":[]}'),
        ("figures", '{"value":{"list":[{"list":[{"tuple":[1,2,3]},4]}]},"frames":[]}'),
        ("figures", "not JSON"),
        ("reader", '{"value":{"list":[null,false]},"frames":[]}'),
    ],
    ids=["os.system", "no such module", "no key", "a key of numbers", "not JSON", "reader"],
)
def test_an_unreadable_kept_view_is_passed_over_and_worked_out_again(con, caplog, column, text):
    first_view.keep(con, cache.reader(), _noted(con))
    con.execute(f"update kept_first_view set {column} = $text", {"text": text})
    cache.clear()
    CALLS.clear()
    assert first_view.load(con) == []
    assert "unreadable" in caplog.text
    _outer(con, wave_id=3, filters=Filters(wave_id=3))
    assert CALLS == {"outer": 1, "inner": 1}


# --- a restart, through dashboard.py ---------------------------------------------


@contextmanager
def _questions_asked() -> Iterator[Counter]:
    """The named SQL files read meanwhile, wherever the query layer reads them."""
    asked: Counter = Counter()
    original = queries.sql

    def spy(name: str) -> str:
        asked[name] += 1
        return original(name)

    modules = [
        module
        for module in list(sys.modules.values())
        if getattr(module, "sql", None) is original
        and module.__name__.startswith(("queries", "wellbeing"))
    ]
    for module in modules:
        module.sql = spy
    try:
        yield asked
    finally:
        for module in modules:
            module.sql = original


def _keeping_done() -> None:
    from wellbeing.ui import run

    for thread in list(run._preparing):
        if thread.name == "keep-first-view":
            thread.join(timeout=60)


@pytest.mark.keeps_first_view
def test_after_a_restart_the_overviews_first_run_asks_no_more_than_a_warm_rerun(demo_app_db):
    from wellbeing.ui import run

    run._first_views_kept.clear()
    first = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    assert not first.exception
    _keeping_done()
    with _questions_asked() as warm:
        first.run()
    shared = run.shared_database()
    assert shared.execute("select count(*) from kept_first_view").fetchone() == (1,)

    cache.clear()  # a new process: no figure kept in memory
    run._look_up_first_view(shared)
    with _questions_asked() as restarted:
        again = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    assert not again.exception
    assert set(restarted) <= set(warm), set(restarted) - set(warm)
    assert [m.value for m in again.metric] == [m.value for m in first.metric]
    assert [m.label for m in again.metric] == [m.label for m in first.metric]


@pytest.mark.keeps_first_view
def test_without_a_kept_view_the_restarted_first_run_works_its_figures_out(demo_app_db):
    """The check above fails when nothing is looked up (it would pass vacuously if a
    restart asked no figure questions anyway)."""
    from wellbeing.ui import run

    run._first_views_kept.clear()
    first = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    _keeping_done()
    with _questions_asked() as warm:
        first.run()
    cache.clear()
    with _questions_asked() as restarted:
        AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    assert set(restarted) - set(warm)


@pytest.mark.keeps_first_view
def test_a_first_view_is_kept_once_per_data_version(demo_app_db, monkeypatch):
    from wellbeing.ui import run

    run._first_views_kept.clear()
    kept = []
    original = first_view.keep
    monkeypatch.setattr(first_view, "keep", lambda *a, **k: kept.append(1) or original(*a, **k))
    for _ in range(2):  # two sessions' first views of the same data
        AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
        _keeping_done()
    assert kept == [1]
    shared = run.shared_database()
    assert shared.execute("select count(*) from kept_first_view").fetchone() == (1,)


@pytest.mark.keeps_first_view
def test_a_reader_of_snapshots_or_a_view_worked_out_with_todays_date_is_not_kept(con, monkeypatch):
    from wellbeing.store import snapshots
    from wellbeing.ui import run

    monkeypatch.setattr(first_view, "keep", lambda *a, **k: pytest.fail("kept"))
    with _recording() as noted:
        _outer(con, wave_id=5, filters=Filters(wave_id=5))
    monkeypatch.setattr(snapshots, "reading", lambda: True)
    run._keep_first_view(noted)  # a reader's snapshot is read-only
    monkeypatch.undo()
    monkeypatch.setattr(first_view, "keep", lambda *a, **k: pytest.fail("kept"))
    with _recording() as dated:
        _dated(con, wave_id=5)
    run._keep_first_view(dated)
    assert dated.reads_clock


@pytest.mark.keeps_first_view
def test_a_run_that_waited_for_the_engine_is_not_the_first_view_the_next_whole_one_is(
    demo_app_db, monkeypatch
):
    from streamlit.navigation.page import StreamlitPage

    from queries import decisions
    from wellbeing.ui import run

    run._first_views_kept.clear()
    kept: list[dict] = []
    monkeypatch.setattr(run, "_keep_first_view", lambda noted: kept.append(noted.figures))
    deciding = threading.Event()
    thread = threading.Thread(target=deciding.wait, daemon=True)
    thread.start()
    token = ("a wave", "being decided")
    monkeypatch.setitem(decisions._ON_DEMAND, token, thread)
    original = StreamlitPage.run
    runs = Counter()

    def first_waits(page):
        runs["page"] += 1
        if runs["page"] == 1:
            original(page)  # its figures are worked out and noted, then the engine is awaited
            raise decisions.NotDecidedYet(1, token)
        return original(page)

    monkeypatch.setattr(StreamlitPage, "run", first_waits)
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
        assert any("being checked" in info.value for info in at.info)
        assert kept == []
        at.run()
        assert len(kept) == 1 and kept[0]
        at.run()  # later runs of the session are not first views
        assert len(kept) == 1
    finally:
        deciding.set()


@pytest.mark.keeps_first_view
def test_a_first_run_begun_before_the_lookup_waits_for_it_and_does_not_keep_the_view_again(
    demo_app_db, monkeypatch
):
    import time

    from wellbeing.ui import run

    run._first_views_kept.clear()
    first = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    _keeping_done()
    with _questions_asked() as warm:
        first.run()
    shared = run.shared_database()

    cache.clear()  # a new process: nothing in memory, nothing kept by it yet
    run._first_views_kept.clear()
    looked_up = threading.Event()
    monkeypatch.setattr(run, "_first_view_looked_up", looked_up)
    kept = []
    original = first_view.keep
    monkeypatch.setattr(first_view, "keep", lambda *a, **k: kept.append(1) or original(*a, **k))

    def look_up_late() -> None:  # as warm_start does, while the first browser loads
        time.sleep(0.5)
        run._look_up_first_view(shared)
        looked_up.set()

    late = threading.Thread(target=look_up_late, daemon=True)
    late.start()
    try:
        with _questions_asked() as restarted:
            again = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    finally:
        late.join(timeout=60)
    _keeping_done()
    assert not again.exception
    assert set(restarted) - {"kept_first_view"} <= set(warm)
    assert kept == []  # found in the store, so not written again
