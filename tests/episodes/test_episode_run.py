"""An 8-shot episode end to end through the simulator: every shot gets a main cut with its
characters' reference images, a cleanup and a video from the model of its role, and the
assembled episode is exactly as long as its shots."""

from __future__ import annotations

import hashlib

import pytest

from canvastoon_desktop.core.assets import ItemList
from canvastoon_desktop.core.list_edit import edit_json_item
from nodes.route import DEFAULT_ROUTES, fitted_duration
from tests.episodes.conftest import EpisodeRun, creates, data_uri_bytes
from tests.providers.hosted_rig import REGISTRY, decode_video

# a whole episode run (package fixture) behind every test here: end to end
pytestmark = pytest.mark.slow

CATALOG = REGISTRY.catalog
FRAME = 1 / 24  # the episode's frame rate
VIDEO_ROUTES = {  # where each video model is created
    "minimax/hailuo-2.3-fast": ("aiml.video.create", "/v2/video/generations"),
    "bytedance/seedance-1-pro-fast": (
        "replicate.predictions.create",
        "/v1/models/bytedance/seedance-1-pro-fast/predictions",
    ),
    "google/veo-3.1-fast": (
        "replicate.predictions.create",
        "/v1/models/google/veo-3.1-fast/predictions",
    ),
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def video_request(entry) -> tuple[str, float, bytes]:
    """(prompt, duration, first frame bytes) of a video create, whichever provider."""
    body = entry.body
    if entry.route == "aiml.video.create":
        return body["prompt"], body["duration"], data_uri_bytes(body["image_url"])
    given = body["input"]
    return given["prompt"], given["duration"], data_uri_bytes(given["image"])


def test_an_eight_shot_episode_runs_end_to_end(first_run: EpisodeRun) -> None:
    summary = first_run.summary
    assert summary.status == "done", {n: o.error for n, o in summary.nodes.items() if o.error}
    shots = first_run.shots
    assert [s["index"] for s in shots] == list(range(1, 9))
    for node, port in (("cuts", "image"), ("cleanup", "image"), ("clips", "video")):
        made = first_run.outputs(node, port)
        assert isinstance(made, ItemList) and len(made) == 8 and made.complete(), node
        assert len({a.sha256 for a in made.items}) == 8, node
    seen = creates(first_run.log)  # the first run's requests
    assert seen[("aiml.chat", "gpt-4o")] == 1
    assert seen[("aiml.images", "google/gemini-3-pro-image-edit")] == 8
    assert seen[("replicate.predictions.create", "allenhooo/lama")] == 8
    videos = sum(n for (route, model), n in seen.items() if model in VIDEO_ROUTES)
    assert videos == 8 and sum(seen.values()) == 1 + 8 + 8 + 8  # nothing else was created

    # the episode decodes, frame by frame, as long as its shots: each clip is the model's
    # fitted duration, cut to its shot's duration when longer
    episode = first_run.outputs("episode", "video")
    decoded = decode_video(first_run.library.file_path(episode))
    assert (decoded["width"], decoded["height"]) == (720, 1280)
    fitted = [fitted_duration(CATALOG[DEFAULT_ROUTES[s["role"]]], s["duration"]) for s in shots]
    expected = sum(min(float(f), s["duration"]) for f, s in zip(fitted, shots, strict=True))
    assert decoded["duration"] == pytest.approx(expected, abs=FRAME)
    assert summary.nodes["export"].status == "done"


def test_each_shot_reaches_the_video_model_of_its_role_with_its_fitted_duration(
    first_run: EpisodeRun,
) -> None:
    shots = first_run.shots
    assert {s["role"] for s in shots} == {"action", "motion", "cinematic"}  # all three used
    cleanups = first_run.outputs("cleanup", "image").items
    by_first_frame = {a.sha256: k for k, a in enumerate(cleanups)}
    requests = [
        e
        for e in first_run.log
        if e.route in ("aiml.video.create", "replicate.predictions.create")
        and e.model in VIDEO_ROUTES
    ]
    assert len(requests) == 8
    seen: dict[int, tuple[str, str, str, float, str]] = {}
    for entry in requests:
        prompt, duration, frame = video_request(entry)
        k = by_first_frame[sha(frame)]  # the shot whose cleaned-up cut it animates
        seen[k] = (entry.model, entry.route, entry.path, duration, prompt)
    assert sorted(seen) == list(range(8))
    for k, shot in enumerate(shots):
        model, route, path, duration, prompt = seen[k]
        expected = DEFAULT_ROUTES[shot["role"]]
        assert model == expected, (k, shot["role"])
        assert (route, path) == VIDEO_ROUTES[expected]
        assert duration == fitted_duration(CATALOG[expected], shot["duration"])
        assert prompt.startswith(shot["video_prompt"])


def test_the_edit_model_gets_the_reference_images_of_the_characters_in_each_shot(
    first_run: EpisodeRun, whole_request_log: None
) -> None:
    characters = {
        name: (first_run.path.parent / "characters" / f"{name.lower()}.png").read_bytes()
        for name in ("Mina", "Jun")
    }
    refs = {sha(data): name for name, data in characters.items()}
    shots = first_run.shots

    def check(entry, shot) -> None:
        named = {n for n in shot["characters"] if n in characters}
        if not named:
            assert entry.model == "google/nano-banana-pro"
            assert "image_urls" not in entry.body
            return
        assert entry.model == "google/gemini-3-pro-image-edit"
        sent = [sha(data_uri_bytes(u)) for u in entry.body["image_urls"]]
        assert len(sent) == len(set(sent))
        assert {refs.get(h, "?") for h in sent} == named, shot["index"]

    requests = [e for e in first_run.log if e.route == "aiml.images"]
    assert len(requests) == 8
    prompts = [s["image_prompt"] for s in shots]
    assert len(set(prompts)) == 8  # each request names its shot by its prompt
    for entry in requests:
        k = next(i for i, p in enumerate(prompts) if entry.body["prompt"].startswith(p + "\n"))
        check(entry, shots[k])

    # the simulated writer names both in every shot: give three shots other casts
    graph = first_run.graph.copy()
    outputs = dict(first_run.summary.nodes["shots"].outputs)
    casts = {0: ["Mina"], 1: ["Jun"], 2: []}
    for k, cast in casts.items():
        items = list(outputs["shots"].items)
        items[k] = edit_json_item(
            graph, first_run.library, "shots", outputs, "shots", k, {"characters": cast}
        )
        outputs["shots"] = ItemList(tuple(items))
    since = len(first_run.sim.log)
    summary, _events = first_run.rig.run(graph, targets=["cuts"], graph_path=first_run.path)
    assert summary.status == "done"
    again = [e for e in list(first_run.sim.log)[since:] if e.route == "aiml.images"]
    assert len(again) == 3  # only the three changed shots
    for entry in again:
        k = next(i for i, p in enumerate(prompts) if entry.body["prompt"].startswith(p + "\n"))
        check(entry, {**shots[k], "characters": casts[k]})


def test_once_the_shots_are_written_each_clip_is_quoted_as_its_provider_bills(
    first_run: EpisodeRun,
) -> None:
    """Before the shot list exists a routed clip may be any role's model at any length (a
    wide range); once it is written, each shot is quoted at its role's model and fitted
    length — what the providers billed for the clips of the first run."""
    graph = first_run.graph.copy()
    for item in range(8):
        graph.reroll("clips", item)
    plan = first_run.rig.executor.plan(graph, graph_path=first_run.path)
    quote = plan.quote.nodes["clips"].cost
    made = {e.job_id for e in first_run.log if e.job_id}
    billed = sum(
        b.usd for b in first_run.sim.bills() if b.model in VIDEO_ROUTES and b.job_id in made
    )
    assert quote.low - 1e-9 <= billed <= quote.high + 1e-9
    assert quote.mid == pytest.approx(billed, rel=0.05)
    cold = REGISTRY["route_video"].estimate(
        CATALOG, first_run.rig.prices, graph.nodes["clips"].params, frozenset()
    )
    assert cold.low * 8 <= billed <= cold.high * 8  # the unwritten range holds it too


def test_a_fitted_length_is_one_the_model_makes_with_its_settings() -> None:
    hailuo = CATALOG["minimax/hailuo-2.3-fast"]
    assert fitted_duration(hailuo, 9.0) == 10
    veo = CATALOG["google/veo-3.1-fast"]
    assert [fitted_duration(veo, s) for s in (3.0, 5.0, 7.5, 12.0)] == [4, 6, 8, 8]
