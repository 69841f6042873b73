"""Re-importing an updated package into a deck file made from it, keeping what was added in quizzer.

Cards are matched by id (which comes from the Anki note, so review history follows them). A field
the package fills replaces the deck's; a field it leaves empty (key points, notes written in quizzer)
keeps the deck's value, and answers added in quizzer after the package's answer stay. Cards no longer
in the package are reported and kept, unless the learner asks for them to be deleted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from quizzer.deck.model import Card, Deck


@dataclass
class UpdateResult:
    deck: Deck
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the deck, not in the package: kept
    deleted: list[str] = field(default_factory=list)


def merge_cards(existing: Card, incoming: Card) -> Card:
    """The incoming card, with the fields it leaves empty taken from the existing one."""
    changes = {}
    for card_field in dataclasses.fields(Card):
        if not card_field.compare or card_field.name == "id":
            continue
        value = getattr(incoming, card_field.name)
        if card_field.default is not dataclasses.MISSING and value == card_field.default:
            value = getattr(existing, card_field.name)
        changes[card_field.name] = value
    if len(incoming.references) == 1:  # Anki gives one answer; others were written in quizzer
        extra = tuple(answer for answer in existing.references[1:] if answer not in incoming.references)
        changes["references"] = incoming.references + extra
    return dataclasses.replace(existing, **changes)


def update_deck(existing: Deck, incoming: Deck, delete_missing: bool = False) -> UpdateResult:
    """The existing deck with the incoming cards merged in: same order, new cards at the end."""
    incoming_by_id = {card.id: card for card in incoming.cards}
    result = UpdateResult(existing)
    cards: list[Card] = []
    for card in existing.cards:
        new = incoming_by_id.get(card.id)
        if new is None:
            (result.deleted if delete_missing else result.missing).append(card.id)
            if not delete_missing:
                cards.append(card)
            continue
        merged = merge_cards(card, new)
        (result.unchanged if merged == card else result.updated).append(card.id)
        cards.append(merged)
    known = {card.id for card in existing.cards}
    for card in incoming.cards:
        if card.id not in known:
            result.added.append(card.id)
            cards.append(card)
    result.deck = dataclasses.replace(existing, cards=tuple(cards))
    return result
