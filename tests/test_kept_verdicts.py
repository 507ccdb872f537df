"""The engine's verdicts are kept in the store: a restart, a second process or a snapshot's
reader looks a wave up instead of deciding it again, and never reads verdicts that no
longer fit the data or the engine."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from queries import decisions, survey
from wellbeing import privacy, store
from wellbeing.privacy import decision as engine


def _fresh(path: Path) -> duckdb.DuckDBPyConnection:
    """The store as a newly started process finds it: nothing decided in memory."""
    decisions.forget_remembered()
    return store.connect(path)


def _copy(template: Path, tmp_path: Path, name: str = "store.duckdb") -> Path:
    path = tmp_path / name
    shutil.copy(template, path)
    return path


def _fresh_copy_and_newest_wave(
    template: Path, tmp_path: Path
) -> tuple[Path, duckdb.DuckDBPyConnection, int]:
    """A copy of a store opened as a new process opens it, and its newest wave."""
    path = _copy(template, tmp_path)
    con = _fresh(path)
    return path, con, int(survey.waves(con)["id"].iloc[-1])


def _no_deciding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make any decision fail the test, noting which part was asked for."""
    asked: list[str] = []

    def refuse(self):
        asked.append("solve")
        raise AssertionError("the engine decided a wave whose verdicts the store keeps")

    monkeypatch.setattr(engine.Solver, "solve", refuse)
    return asked


def _rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select wave_id, part from wave_verdicts order by wave_id, part").fetchall()


def test_verdicts_read_back_from_their_bytes_answer_every_question_alike(views_db, tmp_path):
    con = _fresh(_copy(views_db, tmp_path))
    wave_id = int(survey.waves(con)["id"].iloc[-1])
    made = decisions.decision(con, wave_id=wave_id, sensitive=True)
    parts = {"plain": made.plain.to_bytes(), "whole": made.whole.to_bytes()}
    read = privacy.Verdicts.read(made.describe(), parts)
    assert read.cells().equals(made.cells())
    # The units' part, read alone, answers for the units as the whole decision does.
    units = privacy.Verdicts.read(made.describe(), {"units": made.units.to_bytes()})
    assert units.cells(level="units").equals(made.cells(level="units"))
    with pytest.raises(LookupError, match="plain cells of this wave are not decided yet"):
        units.cells(sensitive=False)
    assert read.cells(sensitive=False).equals(made.cells(sensitive=False))
    assert read.shown_keys(sensitive=True) == made.shown_keys(sensitive=True)
    cells = made.cells()
    keys = [tuple(row) for row in cells[list(privacy.DIMENSIONS)].itertuples(index=False)]
    assert read.statuses(cells["set"], keys) == made.statuses(cells["set"], keys)
    assert read.statuses(cells["set"], keys) == cells["status"].tolist()
    teams = sorted({key[privacy.DIMENSIONS.index("team")] for key in keys} - {privacy.ALL})
    assert teams and [read.service_of(t) for t in teams] == [made.service_of(t) for t in teams]
    assert read.service_of("a team nobody is in") is None


def test_damaged_verdicts_are_refused_with_a_reason():
    with pytest.raises(privacy.VerdictsError, match="could not be read"):
        privacy.Part.from_bytes(b"not an npz file")
    with pytest.raises(privacy.VerdictsError, match="could not be read"):
        privacy.Verdicts.read(b"{", {"plain": b""})
    with pytest.raises(privacy.VerdictsError, match="neither units nor plain"):
        privacy.Verdicts.read(
            b'{"layout": [[], [], [], []], "values": [], "aliases": {}, "services": {}}',
            {"whole": b""},
        )


def test_a_restarted_process_looks_the_wave_up_without_deciding_it(views_db, tmp_path, monkeypatch):
    path = _copy(views_db, tmp_path)
    con = _fresh(path)
    waves = [int(w) for w in survey.waves(con)["id"]]
    first = {w: decisions.decision(con, wave_id=w, sensitive=True).cells() for w in waves}
    assert _rows(con) == [(w, part) for w in waves for part in ("plain", "units", "whole")]
    con.close()

    con = _fresh(path)
    asked = _no_deciding(monkeypatch)
    for wave_id in waves:
        again = decisions.decision(con, wave_id=wave_id, sensitive=True)
        assert again.cells().equals(first[wave_id])
    assert asked == []


def test_a_kept_plain_part_is_completed_with_its_cells_fixed_as_a_fresh_decision_would_be(
    views_db, tmp_path
):
    path, con, wave_id = _fresh_copy_and_newest_wave(views_db, tmp_path)
    fresh = decisions.decision(con, wave_id=wave_id, sensitive=True).cells()
    con.execute("delete from wave_verdicts where part = 'whole'")
    con.close()

    con = _fresh(path)
    plain_only = decisions.decision(con, wave_id=wave_id)
    assert plain_only.whole is None
    with pytest.raises(LookupError, match="not decided yet"):
        plain_only.cells()
    completed = decisions.decision(con, wave_id=wave_id, sensitive=True)
    assert completed.cells().equals(fresh)
    assert ("whole",) in con.execute(
        "select part from wave_verdicts where wave_id = $w", {"w": wave_id}
    ).fetchall()


def test_new_data_in_the_wave_or_another_engine_is_never_served_old_verdicts(
    views_db, tmp_path, monkeypatch
):
    path, con, wave_id = _fresh_copy_and_newest_wave(views_db, tmp_path)
    decisions.decision(con, wave_id=wave_id)
    old = decisions.verdicts_version(
        decisions.wave_version(con, wave_id=wave_id, rules=decisions.settings.rules(con))
    )

    # Lower thresholds are another version of the wave: decided afresh, kept beside.
    from queries import cache, settings

    settings.save_rules(con, privacy.Rules(min_group_size=4, sensitive_min_group_size=6))
    cache.forget_version(con)
    rules = settings.rules(con)
    new = decisions.verdicts_version(decisions.wave_version(con, wave_id=wave_id, rules=rules))
    assert new != old
    decisions.decision(con, wave_id=wave_id)
    kept = {v for (v,) in con.execute("select version from wave_verdicts").fetchall()}
    assert {old, new} <= kept

    # A changed engine (its source is part of the digest) decides again.
    con.close()
    con = _fresh(path)
    monkeypatch.setattr(decisions, "_engine_digest", ["another engine"])
    solved = []
    solve = engine.Solver.solve

    def counted(self):
        solved.append(1)
        return solve(self)

    monkeypatch.setattr(engine.Solver, "solve", counted)
    decisions.decision(con, wave_id=wave_id)
    assert solved, "verdicts of another engine were read"


def test_a_damaged_row_is_decided_again_not_served(views_db, tmp_path):
    path, con, wave_id = _fresh_copy_and_newest_wave(views_db, tmp_path)
    right = decisions.decision(con, wave_id=wave_id).cells(sensitive=False)
    con.execute("update wave_verdicts set payload = 'damaged'::blob")
    con.close()
    con = _fresh(path)
    assert decisions.decision(con, wave_id=wave_id).cells(sensitive=False).equals(right)


def test_a_read_only_store_reads_kept_verdicts_and_writes_none(
    views_db, tmp_path, monkeypatch, caplog
):
    path = _copy(views_db, tmp_path)
    con = _fresh(path)
    waves = [int(w) for w in survey.waves(con)["id"]]
    decisions.decision(con, wave_id=waves[-1])
    con.close()

    decisions.forget_remembered()
    reader = duckdb.connect(str(path), read_only=True)
    before = _rows(reader)
    # The kept wave is looked up; another wave is decided here and not written.
    newest = decisions.decision(reader, wave_id=waves[-1])
    oldest = decisions.decision(reader, wave_id=waves[0])
    assert newest.plain.status.size and oldest.plain.status.size
    assert _rows(reader) == before
    # Not even tried: a failed write would say so in the log on every new wave.
    assert "not kept" not in caplog.text
    reader.close()


def test_only_the_latest_versions_of_a_wave_are_kept(views_db, tmp_path, monkeypatch):
    from queries import cache, settings

    monkeypatch.setattr(decisions, "VERSIONS_KEPT_PER_WAVE", 2)
    con = _fresh(_copy(views_db, tmp_path))
    wave_id = int(survey.waves(con)["id"].iloc[-1])
    versions = []
    for k in (5, 6, 7):
        settings.save_rules(con, privacy.Rules(min_group_size=k, sensitive_min_group_size=10))
        cache.forget_version(con)
        rules = settings.rules(con)
        decisions.decision(con, wave_id=wave_id, rules=rules)
        versions.append(
            decisions.verdicts_version(decisions.wave_version(con, wave_id=wave_id, rules=rules))
        )
    kept = {v for (v,) in con.execute("select version from wave_verdicts").fetchall()}
    assert kept == set(versions[1:])


def test_verdicts_keep_small_integer_arrays_exactly():
    part = privacy.Part(
        set_of=np.array([0, 1, 1]),
        keys=np.array([[-1, -1], [0, -1], [1, 3]]),
        count=np.array([12, 3, 0]),
        k=np.array([5, 5, 10]),
        status=np.array([0, 1, 2], dtype=np.int8),
    )
    read = privacy.Part.from_bytes(part.to_bytes())
    for name in ("set_of", "keys", "count", "k", "status"):
        assert np.array_equal(getattr(read, name), getattr(part, name)), name


def test_verdicts_that_cannot_be_kept_still_gate_the_page(views_db, tmp_path, monkeypatch):
    # Keeping verdicts saves time later; a store that refuses the write (a full disk,
    # say) must not cost the leader the page.
    con = _fresh(_copy(views_db, tmp_path))
    wave_id = int(survey.waves(con)["id"].iloc[-1])
    real_sql = decisions.sql

    def refusing(name):
        if name == "insert_wave_verdicts":
            return "select error('disk full')"
        return real_sql(name)

    monkeypatch.setattr(decisions, "sql", refusing)
    made = decisions.decision(con, wave_id=wave_id)
    assert made.plain.status.size
    assert _rows(con) == []


def test_equity_breakdowns_kept_after_the_plain_part_was_read_are_read_too(
    views_db, tmp_path, monkeypatch
):
    # A reader reads a wave's plain verdicts from one snapshot; the writer's next one
    # brings its equity breakdowns, which the reader reads rather than decides.
    path, con, wave_id = _fresh_copy_and_newest_wave(views_db, tmp_path)
    whole = decisions.decision(con, wave_id=wave_id, sensitive=True)
    saved = con.execute("select * from wave_verdicts where part = 'whole'").fetchall()
    con.execute("delete from wave_verdicts where part = 'whole'")
    con.close()

    con = _fresh(path)
    assert decisions.decision(con, wave_id=wave_id).whole is None
    con.executemany("insert into wave_verdicts values (?, ?, ?, ?, ?, ?)", saved)
    asked = _no_deciding(monkeypatch)
    assert decisions.decision(con, wave_id=wave_id, sensitive=True).cells().equals(whole.cells())
    assert asked == []


def test_a_restarted_page_with_no_breakdown_reads_the_units_part_alone(
    views_db, tmp_path, monkeypatch
):
    # The whole part is a wave's hundreds of thousands of equity cells: a page that shows
    # no breakdown reads only its units' part, and the rest is read when asked for.
    path, con, wave_id = _fresh_copy_and_newest_wave(views_db, tmp_path)
    first = decisions.decision(con, wave_id=wave_id, sensitive=True)
    con.close()

    con = _fresh(path)
    asked = _no_deciding(monkeypatch)
    units = decisions.decision(con, wave_id=wave_id, breakdowns=False)
    assert units.decided("units") and units.plain is None and units.whole is None
    assert units.cells(level="units").equals(first.cells(level="units"))
    plain = decisions.decision(con, wave_id=wave_id)
    assert plain.whole is None and plain.cells(sensitive=False).equals(first.cells(sensitive=False))
    assert decisions.decision(con, wave_id=wave_id, sensitive=True).cells().equals(first.cells())
    assert asked == []
    con.close()
