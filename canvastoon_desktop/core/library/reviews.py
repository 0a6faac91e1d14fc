"""Reviews: an asset's rating, whether it was rejected, and a note."""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import EllipsisType

from ..errors import LibraryError
from ..secrets import redact_secrets
from .store import Store
from .summary import refresh_summary


@dataclass(frozen=True)
class Review:
    sha256: str
    rating: int | None = None
    rejected: bool = False
    note: str = ""


class Reviews(Store):
    # -- reviews --------------------------------------------------------------------------
    def set_review(
        self,
        sha: str,
        *,
        rating: int | EllipsisType | None = ...,  # ...: keep the rating it has
        rejected: bool | None = None,
        note: str | None = None,
    ) -> Review:
        current = self.review(sha)
        new_rating = current.rating if isinstance(rating, EllipsisType) else rating
        if new_rating is not None and not 1 <= int(new_rating) <= 5:
            raise LibraryError("a rating is 1 to 5 stars")
        review = Review(
            sha,
            None if new_rating is None else int(new_rating),
            current.rejected if rejected is None else bool(rejected),
            current.note if note is None else redact_secrets(note),
        )
        with self._transaction() as db:
            db.execute(
                "INSERT INTO reviews(sha256, rating, rejected, note, updated_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(sha256) DO UPDATE SET rating=excluded.rating,"
                " rejected=excluded.rejected, note=excluded.note, updated_at=excluded.updated_at",
                (sha, review.rating, int(review.rejected), review.note, time.time()),
            )
            refresh_summary(db, (sha,))
        return review

    def review(self, sha: str) -> Review:
        rows = self._query("SELECT rating, rejected, note FROM reviews WHERE sha256=?", (sha,))
        if not rows:
            return Review(sha)
        rating, rejected, note = rows[0]
        return Review(sha, rating, bool(rejected), note or "")
