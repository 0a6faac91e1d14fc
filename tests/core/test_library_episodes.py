"""Episodes in the library: the ``episode`` and ``shot`` filters (shared by the gallery and
``canvastoon assets list --filter``), the ``episode`` order — graph, newest run first, shot
by shot — and the sections the gallery draws between episodes and shots."""

from __future__ import annotations

from pathlib import Path

import pytest

from canvastoon_desktop.core.library import query as lq
from tests.support.episode_factory import EpisodeLibrary, episode_library


@pytest.fixture
def made(tmp_path: Path):
    made = episode_library(tmp_path)
    yield made
    lq.close_reader(made.library)
    made.library.close()


def shas(rows) -> list[str]:
    return [r.sha256 for r in rows]


def test_rows_know_their_shot_and_episode(made: EpisodeLibrary) -> None:
    first = made.episodes[0]
    rows = {r.sha256: r for r in lq.query_assets(made.library)}
    clip_of_shot_3 = rows[first.shots[3][2].sha256]
    assert clip_of_shot_3.item == 2 and clip_of_shot_3.shot == 3  # 0-based in the index
    assert clip_of_shot_3.episode == (first.graph_path, first.run_id)
    assert clip_of_shot_3.graph_name == "K-pop episode"
    assert clip_of_shot_3.run_started_at == pytest.approx(first.started_at)
    assert rows[first.shot_list.sha256].shot is None
    assert rows[made.loose[0].sha256].episode is None
    assert lq.row_as_json(clip_of_shot_3)["shot"] == 3


def test_the_shot_filter_takes_shot_numbers_from_one(made: EpisodeLibrary) -> None:
    query = lq.parse_filters(["shot=3"])
    assert query.shot == ("3",) and query.describe() == ["shot: 3"]
    third = lq.query_assets(made.library, query)
    assert set(shas(third)) == {a.sha256 for a in made.episodes[0].shots[3]}
    both = lq.query_assets(made.library, lq.parse_filters(["shot=1,2", "kind=image"]))
    expected = {
        a.sha256
        for e in made.episodes
        for n in (1, 2)
        for a in e.shots.get(n, [])
        if a.kind.value == "image"
    }
    assert set(shas(both)) == expected
    assert lq.parse_filters(["shot=02"]).shot == ("2",)
    for bad in ("shot=0", "shot=three", "shot=-1"):
        with pytest.raises(lq.FilterError, match="is not a shot number"):
            lq.parse_filters([bad])


def test_the_episode_filter_takes_a_graph_or_one_run_of_it(made: EpisodeLibrary) -> None:
    first, second, rooftop = made.episodes
    ep1 = {a.sha256 for a in first.assets() + second.assets()}
    for value in ("ep1.ctoon", "ep1", "K-pop episode", first.graph_path):
        rows = lq.query_assets(made.library, lq.parse_filters([f"episode={value}"]))
        assert set(shas(rows)) == ep1, value
    one_run = lq.parse_filters([f"episode=ep1.ctoon@{second.run_id[:8]}"])
    assert set(shas(lq.query_assets(made.library, one_run))) == {a.sha256 for a in second.assets()}
    by_run_only = lq.parse_filters([f"episode=@{rooftop.run_id[:6]}"])
    assert set(shas(lq.query_assets(made.library, by_run_only))) == {
        a.sha256 for a in rooftop.assets()
    }
    assert lq.query_assets(made.library, lq.parse_filters(["episode=ep3.ctoon"])) == []
    # with the shot filter: shot 2 of every run of ep1 (made twice)
    shot_2 = lq.query_assets(made.library, lq.parse_filters(["episode=ep1", "shot=2"]))
    assert set(shas(shot_2)) == {a.sha256 for e in (first, second) for a in e.shots[2]}


def test_facets_list_episodes_newest_first_and_shots_in_order(made: EpisodeLibrary) -> None:
    first, second, rooftop = made.episodes
    episodes = lq.facet_values(made.library, "episode")
    assert [v for v, _n in episodes] == [
        f"{e.graph_path}@{e.run_id}" for e in (rooftop, second, first)
    ]
    assert dict(episodes)[f"{first.graph_path}@{first.run_id}"] == len(first.assets())
    labels = lq.facet_labels(made.library, "episode", [v for v, _ in episodes])
    assert labels[f"{rooftop.graph_path}@{rooftop.run_id}"].startswith("Rooftop · ")
    shots = lq.facet_values(made.library, "shot")
    assert [v for v, _n in shots] == ["1", "2", "3"]
    assert dict(shots)["2"] == 3 * 3  # three runs made shot 2, three assets each
    assert lq.facet_labels(made.library, "shot", ["2"]) == {"2": "Shot 2"}
    # a facet value is a valid filter value
    value = episodes[0][0]
    rows = lq.query_assets(made.library, lq.parse_filters([f"episode={value}"]))
    assert set(shas(rows)) == {a.sha256 for a in rooftop.assets()}


def test_the_episode_order_is_graph_then_newest_run_then_shot(made: EpisodeLibrary) -> None:
    first, second, rooftop = made.episodes
    rows = lq.query_assets(made.library, lq.AssetQuery(sort="episode"))

    def in_order(episode) -> list[str]:
        unnumbered = [a.sha256 for a in (episode.shot_list, episode.cut) if a is not None]
        return unnumbered + [a.sha256 for n in sorted(episode.shots) for a in episode.shots[n]]

    # ep1.ctoon before ep2.ctoon; ep1's newer run first; imported assets last
    assert shas(rows) == (
        in_order(second) + in_order(first) + in_order(rooftop) + [made.loose[0].sha256]
    )
    oldest_run_first = lq.query_assets(made.library, lq.parse_filters([], sort="-episode"))
    assert shas(oldest_run_first)[: len(in_order(first))] == in_order(first)


def test_sections_head_each_episode_and_each_shot(made: EpisodeLibrary) -> None:
    second = made.episodes[1]
    rows = lq.query_assets(made.library, lq.AssetQuery(sort="episode"))
    sections = lq.episode_sections(rows)
    headers = [s for s in sections if isinstance(s, lq.AssetSection)]
    outline = [(h.level, h.title, h.count) for h in headers]
    assert outline == [
        ("episode", "K-pop episode", 4),
        ("shot", "Shot 2", 3),
        ("episode", "K-pop episode", 11),
        ("shot", "Shot 1", 3),
        ("shot", "Shot 2", 3),
        ("shot", "Shot 3", 3),
        ("episode", "Rooftop", 8),
        ("shot", "Shot 1", 3),
        ("shot", "Shot 2", 3),
        ("episode", "Not from a run", 1),
    ]
    assert "ep1.ctoon" in headers[0].detail and second.run_id[:8] in headers[0].detail
    assert headers[0].detail.endswith("4 assets")
    assert [s for s in sections if not isinstance(s, lq.AssetSection)] == rows
    # a shot header comes right before the assets of that shot
    at = sections.index(headers[3])
    assert [r.shot for r in sections[at + 1 : at + 4]] == [1, 1, 1]


def test_the_command_line_takes_the_same_filters(made: EpisodeLibrary, capsys) -> None:
    import json

    from canvastoon_desktop.cli import main

    made.library.flush(wait=True)
    code = main(
        [
            "assets",
            "list",
            "--filter",
            "shot=3",
            "--filter",
            "episode=ep1",
            "--sort",
            "episode",
            "--json",
            "--library",
            str(made.library.root),
        ]
    )
    assert code == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["filters"] == ["episode: ep1", "shot: 3"] and listed["sort"] == "episode"
    assert [a["sha256"] for a in listed["assets"]] == [a.sha256 for a in made.episodes[0].shots[3]]
    assert {a["shot"] for a in listed["assets"]} == {3}
    assert main(["assets", "list", "--filter", "shot=x", "--library", str(made.library.root)]) == 2
    assert "is not a shot number" in capsys.readouterr().err
