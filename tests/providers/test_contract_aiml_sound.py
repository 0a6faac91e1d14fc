"""AIML's ElevenLabs speech and music through the real ``httpx`` client against the
simulator: what AIML receives, what the library holds (decoded sound), what is spent."""

from __future__ import annotations

import pytest

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.media.audio import probe_audio_file
from canvastoon_desktop.simulator import FaultRule, Simulator
from tests.providers.hosted_rig import Rig

CREDITS = 10**9


@pytest.fixture(autouse=True)
def _metered(sim: Simulator) -> None:
    sim.aiml_credits = CREDITS


def spent_usd(sim: Simulator) -> float:
    assert sim.aiml_credits is not None
    return (CREDITS - sim.aiml_credits) / 2_000_000


def test_speech_posts_the_text_and_voice_and_keeps_the_mp3_it_answers_with(
    rig: Rig, sim: Simulator
) -> None:
    g = rig.graph()
    line = rig.text(g, "Five, six, seven, eight!")
    speech = rig.node(
        g, "speech", {"text": line}, model="elevenlabs/eleven_multilingual_v2", voice="Aria"
    )
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[speech]
    body = sim.log.last("aiml.tts").body
    assert body["model"] == "elevenlabs/eleven_multilingual_v2"
    assert (body["text"], body["voice"], body["output_format"]) == (
        "Five, six, seven, eight!",
        "Aria",
        "mp3_44100_128",
    )
    audio = summary.nodes[speech].outputs["audio"]
    assert audio.kind is AssetKind.AUDIO and audio.mime == "audio/mpeg"
    info = probe_audio_file(rig.library.file_path(audio))
    assert info.duration_s > 1.0 and audio.duration_s == pytest.approx(info.duration_s)
    # TTS answers report no credits: the run books the quote's max for the characters, as
    # an estimate, which covers what the simulator (ElevenLabs' list price + AIML's 5%) billed
    assert spent_usd(sim) == pytest.approx(24 * 0.10 * 1.05 / 1000)
    assert summary.nodes[speech].cost_usd >= spent_usd(sim)
    assert [j["state"] for j in rig.jobs()] == ["done"]


@pytest.mark.slow
def test_music_is_created_then_polled_and_downloaded_with_its_reported_credits(
    rig: Rig, sim: Simulator
) -> None:
    g = rig.graph()
    music = rig.node(
        g,
        "music",
        {},
        model="elevenlabs/eleven_music",
        prompt="bright K-pop synth bed, 120 BPM, no vocals",
        music_length_ms=12_000,
    )
    summary, _ = rig.run(g)
    assert summary.status == "done", summary.nodes[music]
    create = sim.log.last("aiml.music.create").body
    assert create == {
        "model": "elevenlabs/eleven_music",
        "prompt": "bright K-pop synth bed, 120 BPM, no vocals",
        "music_length_ms": 12_000,
    }
    assert sim.log.count("aiml.music.create") == 1  # created once, then polled
    track = summary.nodes[music].outputs["music"]
    assert track.kind is AssetKind.AUDIO
    assert probe_audio_file(rig.library.file_path(track)).duration_s == pytest.approx(12, abs=0.1)
    assert summary.nodes[music].cost_usd == pytest.approx(spent_usd(sim))  # reported credits
    jobs = rig.jobs()
    assert [j["state"] for j in jobs] == ["done"] and jobs[0]["job_id"]


def music_graph(rig: Rig) -> tuple[object, str]:
    g = rig.graph()
    node = rig.node(
        g, "music", {}, model="elevenlabs/eleven_music", prompt="calm", music_length_ms=10_000
    )
    return g, node


def test_music_that_fails_at_aiml_says_so_and_is_not_sent_again(rig: Rig, sim: Simulator) -> None:
    sim.faults.add(FaultRule("aiml.music.create", "fail"))
    g, node = music_graph(rig)
    summary, _ = rig.run(g)
    outcome = summary.nodes[node]
    assert outcome.status == "failed"
    assert outcome.error.startswith("the AIML API could not make the music")
    assert sim.log.count("aiml.music.create") == 1
    assert [j["state"] for j in rig.jobs()] == ["failed"]


def test_an_expired_music_link_is_asked_for_again(rig: Rig, sim: Simulator) -> None:
    rule = sim.faults.add(FaultRule("output", "expired", times=1))
    g, node = music_graph(rig)
    summary, _ = rig.run(g)
    assert rule.fired == 1
    outcome = summary.nodes[node]  # the simulator hands out the same dead link again
    assert outcome.status == "failed"
    assert outcome.error == (
        "the music was made but its download link expired before it could be downloaded"
    )
    outputs = sim.log.entries("output")
    polls_after = [e for e in sim.log.entries("aiml.music.poll") if e.time > outputs[0].time]
    assert len(outputs) == 2 and polls_after  # re-polled for a fresh link, then tried it


def test_a_speech_quote_follows_the_characters_and_music_its_length(rig: Rig) -> None:
    g = rig.graph()
    line = rig.text(g, "x" * 1000)
    rig.node(g, "speech", {"text": line}, model="elevenlabs/eleven_multilingual_v2")
    rig.node(g, "music", {}, model="elevenlabs/eleven_music", prompt="calm", music_length_ms=60_000)
    # before the text is made only its 1,000 bytes are known: 250 to 1,000 characters
    unread = rig.executor.plan(g).quote
    assert unread.cost.low == pytest.approx(0.025 + 0.30, abs=0.01)
    assert unread.cost.high == pytest.approx(0.21 + 0.75, abs=0.01)
    rig.run(g, targets=[line])
    quote = rig.executor.plan(g).quote
    # 1,000 characters at $0.10-0.21 per 1,000; one minute of music at $0.005-0.0125 a second
    assert quote.cost.low == pytest.approx(0.10 + 0.30, abs=0.01)
    assert quote.cost.high == pytest.approx(0.21 + 0.75, abs=0.01)
