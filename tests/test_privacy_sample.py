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
