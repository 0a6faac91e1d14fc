"""Runs freeze the heap for the collector while they go, and always hand it back."""

from __future__ import annotations

import gc

from canvastoon_desktop.core.gcpause import heap_frozen_while_running, refreeze


def test_nested_runs_unfreeze_when_the_last_one_ends() -> None:
    gc.unfreeze()
    with heap_frozen_while_running():
        assert gc.get_freeze_count() > 0
        with heap_frozen_while_running():
            refreeze()
        assert gc.get_freeze_count() > 0  # the outer run still goes
    assert gc.get_freeze_count() == 0
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
