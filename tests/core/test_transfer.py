"""A pack carries the rows the library exports for it, column for column: the pack's
format (what ``unpack`` accepts of a result, a run, a review) and the library's transfer of
them name the same columns."""

from __future__ import annotations

from canvastoon_desktop.core import pack
from canvastoon_desktop.core.library import transfer


def test_a_packs_provenance_has_the_columns_the_library_transfers() -> None:
    assert tuple(pack._FIELD_TYPES) == transfer.RESULT_COLUMNS
    assert tuple(pack._RUN_TYPES) == transfer.RUN_COLUMNS
    assert tuple(pack._REVIEW_TYPES) == transfer.REVIEW_COLUMNS
