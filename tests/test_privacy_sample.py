"""What the engine hides of the bundled sample data: as little as the guarantee allows."""

from __future__ import annotations

import pytest

from queries import decisions, overview, survey
from wellbeing import privacy, store


@pytest.fixture(scope="module")
def sample(demo_db, tmp_path_factory):
    import shutil

    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    shutil.copy(demo_db, path)
    connection = store.connect(path)
    yield connection
    connection.close()


def test_spring_2026_shows_children_s_services_headline_tiles(sample):
    # About 200 respondents: the first engine hid every headline tile of this service.
    waves = survey.waves(sample)
    spring = int(waves.loc[waves["label"] == "Spring 2026", "id"].iloc[0])
    tiles = overview.headline_measures(
        sample, filters=survey.Filters(wave_id=spring, service="Children's services")
    )
    assert set(tiles["status"]) == {privacy.SHOWN}
    assert (tiles["respondents"] >= 190).all()


def test_no_service_of_twice_k_respondents_or_more_is_hidden_in_any_wave(sample):
    rules = privacy.Rules()
    for wave_id in survey.waves(sample)["id"]:
        cells = decisions.decision(sample, wave_id=int(wave_id)).cells(sensitive=False)
        named = cells[list(privacy.DIMENSIONS)] != privacy.ALL
        services = cells[named["service"] & ~named.drop(columns="service").any(axis=1)]
        large = services[services["respondents"] >= 2 * rules.min_group_size]
        assert not large.empty
        assert set(large["status"]) == {privacy.SHOWN}, large[large["status"] != privacy.SHOWN]


def test_the_organisation_is_never_hidden_in_the_sample_data(sample):
    for wave_id in survey.waves(sample)["id"]:
        cells = decisions.decision(sample, wave_id=int(wave_id), sensitive=True).cells()
        organisation = cells[(cells[list(privacy.DIMENSIONS)] == privacy.ALL).all(axis=1)]
        assert len(organisation) and set(organisation["status"]) == {privacy.SHOWN}


def test_equations_let_go_for_memory_change_no_decision(sample, monkeypatch):
    # At a million respondents a family's equity equations outgrow their budget, and all
    # but the family just built are let go between audits: built again, they decide alike.
    from wellbeing.privacy import decision, span

    kept: list[span.KeptBlocks] = []

    class Watched(span.KeptBlocks):
        def __init__(self, budget: int) -> None:
            super().__init__(budget)
            kept.append(self)

    monkeypatch.setattr(decision, "KeptBlocks", Watched)
    rules = privacy.Rules()
    for wave_id in survey.waves(sample)["id"]:
        frame, specs = decisions.wave_frame(
            sample,
            wave_id=int(wave_id),
            current=decisions.active_uploads(sample, wave_id=int(wave_id)),
            history=[],
        )
        roomy = privacy.decide(frame, specs, rules).cells(sensitive=True)
        monkeypatch.setattr(decision, "KEPT_EQUATIONS_BYTES", 0)
        tight = privacy.decide(frame, specs, rules).cells(sensitive=True)
        monkeypatch.undo()
        monkeypatch.setattr(decision, "KeptBlocks", Watched)
        assert roomy.equals(tight)
    assert any(k.budget == 0 and k.let_go for k in kept)
    assert all(not k.let_go for k in kept if k.budget)
