"""The hosted pipeline from the command line: ``--simulate`` end to end, and a canary key
that must show up nowhere — logs, graph, library, exports, errors, ``--json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.providers.hosted_rig import (
    canvastoon,
    cli_env,
    copy_example,
    dump_library,
    fast_simulator,
)

CANARY_AIML = "sk-canary-7f3a9c21d4e8b6a05c"
CANARY_REPLICATE = "r8_canary_5e1b9d7c3a2f4e60aa"
CANARIES = (CANARY_AIML, CANARY_REPLICATE)


def leaks(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [c for c in CANARIES if c.encode() in data]


def files_under(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


@pytest.mark.slow
def test_simulate_runs_the_hosted_example_end_to_end(tmp_path: Path) -> None:
    graph = copy_example(tmp_path / "project")
    result = canvastoon(
        "run",
        str(graph),
        "--simulate",
        "--json",
        "--yes",
        "--library",
        str(tmp_path / "library"),
        env=cli_env_without_sim(),
        cwd=graph.parent,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "done"
    assert {n["status"] for n in summary["nodes"]} == {"done"}
    videos = [a for n in summary["nodes"] for a in n["assets"] if a["kind"] == "video"]
    assert len(videos) == 3 and all(Path(v["path"]).stat().st_size > 0 for v in videos)
    # how long it takes is a figure of `make bench` (cli_simulate_kpop_s), not a test


def cli_env_without_sim() -> dict[str, str]:
    import os

    env = dict(os.environ)
    for name in (
        "AIML_API_KEY",
        "REPLICATE_API_TOKEN",
        "CANVASTOON_AIML_BASE_URL",
        "REPLICATE_BASE_URL",
    ):
        env.pop(name, None)
    return env


@pytest.mark.slow
def test_a_canary_key_appears_nowhere(tmp_path: Path) -> None:
    keys = {"AIML_API_KEY": CANARY_AIML, "REPLICATE_API_TOKEN": CANARY_REPLICATE}
    project = tmp_path / "project"
    graph = copy_example(project)
    library = tmp_path / "library"
    with fast_simulator(
        aiml_keys=frozenset({CANARY_AIML}), replicate_tokens=frozenset({CANARY_REPLICATE})
    ) as sim:
        ok = canvastoon(
            "-v",
            "run",
            str(graph),
            "--library",
            str(library),
            "--json",
            "--yes",
            env=cli_env(sim, **keys),
            cwd=project,
        )
        assert ok.returncode == 0, ok.stderr
        assert all(e.auth_ok is not False for e in sim.log)  # the canary was the key used
    assert json.loads(ok.stdout)["status"] == "done"
    assert "DEBUG" in ok.stderr  # -v really logged
    exported = files_under(project / "exports")
    assert any(p.suffix == ".json" for p in exported) and any(p.suffix == ".mp4" for p in exported)
    places = {
        "stdout": ok.stdout,
        "stderr": ok.stderr,
        "graph": graph.read_text(),
        "library tables": dump_library(library),
    }
    places.update({str(p): p.read_bytes() for p in files_under(library, project)})
    assert {where: leaks(text) for where, text in places.items() if leaks(text)} == {}

    # the providers stop accepting the keys: the errors say so without quoting them
    for name, aiml_ok, failing in [("aiml", False, "scenario"), ("replicate", True, "preview")]:
        refused = tmp_path / f"refused-{name}"
        accepted = {CANARY_AIML} if aiml_ok else {"sk-rotated"}
        with fast_simulator(
            aiml_keys=frozenset(accepted), replicate_tokens=frozenset({"r8_rotated"})
        ) as sim:
            bad = canvastoon(
                "-v",
                "run",
                str(graph),
                "--library",
                str(refused),
                "--json",
                "--yes",
                env=cli_env(sim, **keys),
                cwd=project,
            )
        assert bad.returncode == 1
        nodes = {n["id"]: n for n in json.loads(bad.stdout)["nodes"]}
        label = "AIML API" if name == "aiml" else "Replicate"
        assert nodes[failing]["error"].startswith(f"the {label} key was refused (401)")
        places = {
            "stdout": bad.stdout,
            "stderr": bad.stderr,
            "library tables": dump_library(refused),
        }
        assert {where: leaks(text) for where, text in places.items() if leaks(text)} == {}
