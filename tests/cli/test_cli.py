"""``canvastoon`` on the command line: validate, estimate and run, with honest exit codes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from canvastoon_desktop.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_accepts_the_examples_and_lists_every_problem_of_a_bad_graph(
    capsys, examples: Path, tmp_path: Path
) -> None:
    code, out, _ = run_cli(
        capsys,
        "validate",
        str(examples / "offline_storyboard.ctoon"),
        str(examples / "offline_episode.ctoon"),
    )
    assert code == 0 and out.count("ready to run") == 2
    broken = json.loads((examples / "offline_storyboard.ctoon").read_text())
    broken["nodes"][1]["params"]["preset"] = "poet"
    broken["edges"].append({"from": ["clip", "video"], "to": ["card", "prompt"]})
    bad = tmp_path / "bad.ctoon"
    bad.write_text(json.dumps(broken))
    code, _, err = run_cli(capsys, "validate", str(bad))
    assert code == 2
    assert "Preset must be one of" in err and "a Video output cannot feed a Text input" in err
    assert "Traceback" not in err


def test_validate_reports_a_missing_key_for_the_hosted_example(capsys, examples: Path) -> None:
    code, _, err = run_cli(capsys, "validate", str(examples / "kpop_short.ctoon"))
    assert code == 2
    assert "Scenario: no AIML API key: set AIML_API_KEY" in err
    assert "Cleanup: no Replicate key: set REPLICATE_API_TOKEN" in err


def test_estimate_quotes_only_what_will_run(capsys, examples: Path) -> None:
    code, out, _ = run_cli(capsys, "estimate", str(examples / "kpop_short.ctoon"), "--json")
    assert code == 0
    quote = json.loads(out)
    by_id = {n["id"]: n for n in quote["nodes"]}
    assert by_id["cinematic"]["cost_usd"]["max"] == pytest.approx(1.2)
    assert by_id["main_cut"]["cost_usd"] == {"min": 0.1575, "max": 0.1575}
    assert quote["to_run"] >= 9 and quote["cached"] == 0
    assert 2.0 < quote["cost_usd"]["max"] < 3.5


@pytest.mark.slow
def test_run_json_summary_then_everything_cached(capsys, examples: Path, tmp_path: Path) -> None:
    graph = str(examples / "offline_storyboard.ctoon")
    library = str(tmp_path / "lib")
    code, out, _ = run_cli(capsys, "run", graph, "--library", library, "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["status"] == "done" and summary["cost_usd"] == 0
    nodes = {n["id"]: n for n in summary["nodes"]}
    assert set(nodes["clip"]) == {"id", "type", "model", "status", "assets", "cost_usd", "error"}
    video = nodes["clip"]["assets"][0]
    assert video["kind"] == "video" and Path(video["path"]).is_file()
    assert Path(nodes["image_prompt"]["assets"][0]["path"]).read_text().strip()
    code, out, _ = run_cli(capsys, "run", graph, "--library", library, "--json")
    statuses = {n["id"]: n["status"] for n in json.loads(out)["nodes"]}
    assert statuses["card"] == statuses["clip"] == "cached"


def test_set_and_only_change_one_run(capsys, examples: Path, tmp_path: Path) -> None:
    graph = str(examples / "offline_storyboard.ctoon")
    code, out, _ = run_cli(
        capsys,
        "run",
        graph,
        "--library",
        str(tmp_path / "lib"),
        "--json",
        "--only",
        "Storyboard card",
        "--set",
        "card.size=540x960",
    )
    assert code == 0
    nodes = {n["id"]: n for n in json.loads(out)["nodes"]}
    assert set(nodes) == {"idea", "image_prompt", "card"}
    assert "540" in str(nodes["card"]["assets"]) or nodes["card"]["status"] == "done"
    code, _, err = run_cli(capsys, "run", graph, "--set", "card.size=huge")
    assert code == 2 and "Size must be one of 540x960, 720x1280, 1080x1920" in err
    code, _, err = run_cli(capsys, "run", graph, "--set", "nobody.size=1")
    assert code == 2 and "no node 'nobody'" in err


def test_a_run_without_keys_is_refused_before_anything_is_spent(capsys, examples: Path) -> None:
    code, out, _ = run_cli(capsys, "run", str(examples / "kpop_short.ctoon"), "--json")
    assert code == 2
    refused = json.loads(out)
    assert refused["status"] == "refused"
    assert {p["code"] for p in refused["problems"]} == {"missing_key"}


def test_a_run_over_budget_is_refused(capsys, examples: Path) -> None:
    code, out, _ = run_cli(
        capsys,
        "run",
        str(examples / "kpop_short.ctoon"),
        "--simulate",
        "--budget",
        "0.50",
        "--json",
        "--yes",
    )
    assert code == 2
    problems = json.loads(out)["problems"]
    assert any("over the per-run budget of $0.50" in p["message"] for p in problems)


def test_a_broken_graph_file_exits_2_with_the_reason(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "truncated.ctoon"
    bad.write_text('{"format": "canvastoon-graph", "version": 2, "nodes": [')
    code, _, err = run_cli(capsys, "run", str(bad))
    assert code == 2 and "truncated" in err and str(bad) in err


@pytest.mark.slow
def test_ctrl_c_cancels_cleanly_with_exit_130(examples: Path, tmp_path: Path) -> None:
    env = {**os.environ, "CANVASTOON_LIBRARY": str(tmp_path / "lib")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "canvastoon_desktop",
            "run",
            str(examples / "kpop_short.ctoon"),
            "--simulate",
            "--simulate-latency",
            "realistic",
            "--json",
            "--yes",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    # Ctrl+C once a provider job is running (journaled in the library), not at a fixed time
    wait_for_submitted_job(tmp_path / "lib" / "library.sqlite", process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err[-2000:]
    summary = json.loads(out)
    assert summary["status"] == "cancelled"
    assert "cancelled" in {n["status"] for n in summary["nodes"]}


def wait_for_submitted_job(
    index: Path, process: subprocess.Popen[str], timeout: float = 120
) -> None:
    """Until the run in ``process`` has journaled a provider job as submitted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before any job was submitted"
        if index.exists():
            try:
                with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
                    if db.execute("SELECT 1 FROM jobs WHERE state='submitted'").fetchone():
                        return
            except sqlite3.OperationalError:
                pass  # the schema is still being created
        time.sleep(0.05)
    raise AssertionError("no provider job was submitted in time")
