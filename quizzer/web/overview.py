"""What the deck picker and the progress page read: the served decks with what is due, and `quizzer stats`.

Read-only, on a connection of its own (`quizzer.web.worker`), so the pages answer while a grade is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from quizzer.core.types import utc_now
from quizzer.deck.model import Deck
from quizzer.session import QuizOptions, build_queue, local_day_start
from quizzer.storage import reviews as store
from quizzer.storage.db import Connection
from quizzer.web.schemas import ApiError, QuizRequest


class Overview:
    def __init__(
        self,
        connection: Connection,
        decks: Sequence[Deck],
        *,
        defaults: QuizRequest,
        new_per_day: int,
        configured_decks: Sequence[str] = (),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.connection = connection
        self.decks = list(decks)
        self.defaults = defaults
        self.new_per_day = new_per_day
        self.configured_decks = list(configured_decks)
        self.clock = clock

    def deck_list(self) -> dict[str, Any]:
        """`GET /api/decks`: each served deck with its cards due now and never studied, its tags, the defaults."""
        now = self.clock()
        rows = []
        tags: dict[str, int] = {}
        for deck in self.decks:
            queue = build_queue(self.connection, [deck], QuizOptions(new=len(deck.cards)), now)
            deck_tags = sorted({tag for card in deck.cards for tag in card.tags})
            for card in deck.cards:
                for tag in card.tags:
                    tags[tag] = tags.get(tag, 0) + 1
            rows.append({
                "name": deck.name,
                "description": deck.description,
                "cards": len(deck.cards),
                "due": sum(not item.is_new for item in queue),
                "new": sum(item.is_new for item in queue),
                "tags": deck_tags,
            })
        introduced = store.new_cards_introduced_since(self.connection, local_day_start(now))
        return {
            "decks": rows,
            "tags": [{"name": name, "cards": count} for name, count in sorted(tags.items())],
            "defaults": self.defaults.to_dict(),
            "new_per_day": self.new_per_day,
            "new_left_today": max(0, self.new_per_day - introduced),
        }

    def stats(self, deck_names: Sequence[str] = ()) -> dict[str, Any]:
        """`GET /api/stats`: what `quizzer stats --json` prints for the served and studied decks (its
        `retention_history` is what the progress page charts day by day)."""
        from quizzer.mastery import mastery_report, select_decks

        studied, without_file = select_decks(self.connection, [], self.configured_decks)
        decks = {deck.name: deck for deck in studied}
        decks.update({deck.name: deck for deck in self.decks})  # the served files win over same-named ones
        names = [*decks, *(name for name in without_file if name not in decks)]
        unknown = [name for name in deck_names if name not in names]
        if unknown:
            raise ApiError(400, f"unknown deck {unknown[0]!r}", hint=f"decks: {', '.join(names) or 'none'}")
        wanted = set(deck_names or names)
        report = mastery_report(self.connection, self.clock(), [deck for name, deck in decks.items() if name in wanted],
                                [name for name in without_file if name in wanted and name not in decks])
        return report.to_dict()
