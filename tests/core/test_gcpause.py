"""Runs freeze the heap for the collector while they go, and always hand it back."""

from __future__ import annotations

import gc

from canvastoon_desktop.core.gcpause import RUN_THRESHOLDS, heap_frozen_while_running, refreeze


def test_nested_runs_unfreeze_when_the_last_one_ends() -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    with heap_frozen_while_running():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == RUN_THRESHOLDS  # collections come rarely while it runs
        with heap_frozen_while_running():
            refreeze()
        assert gc.get_freeze_count() > 0  # the outer run still goes
        assert gc.get_threshold() == RUN_THRESHOLDS
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    refreeze()  # outside a run it does nothing
    assert gc.get_freeze_count() == 0


def test_collections_are_paused_inside_and_restored_after() -> None:
    import gc

    from canvastoon_desktop.core.gcpause import collections_paused

    assert gc.isenabled()
    with collections_paused():
        assert not gc.isenabled()
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not switch it back on early
    assert gc.isenabled()
    gc.disable()
    try:
        with collections_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_what_a_run_made_is_handed_to_the_old_generation_when_it_ends() -> None:
    gc.unfreeze()
    gc.collect()
    with heap_frozen_while_running():
        made = [[i] for i in range(2000)]  # young objects, alive when the run ends
        assert gc.get_count()[0] >= 2000
    assert gc.get_freeze_count() == 0
    assert gc.get_count()[0] < 2000  # no collection owed for them
    assert all(gc.is_tracked(item) for item in made)  # still the collector's to collect


def test_what_a_run_is_about_to_keep_is_made_without_collections_then_made_old() -> None:
    from canvastoon_desktop.core.gcpause import long_lived

    gc.unfreeze()
    gc.collect()
    with long_lived():
        assert not gc.isenabled()
        made = [[i] for i in range(2000)]  # (a graph's copy)
    assert gc.isenabled()
    assert gc.get_count()[0] < 2000  # no collection owed for what it made
    assert gc.get_freeze_count() == 0  # outside a run nothing stays frozen
    assert all(gc.is_tracked(item) for item in made)  # still the collector's to collect
    with heap_frozen_while_running():
        frozen = gc.get_freeze_count()
        with long_lived():
            more = [[i] for i in range(2000)]
        assert gc.get_freeze_count() >= frozen + 2000  # frozen with the run's heap
    assert gc.get_freeze_count() == 0  # and handed back when the run ends
    assert all(gc.is_tracked(item) for item in more)
