"""Cards and decks: the model, the strict loader, and the importers."""

from quizzer.deck.model import Card, Deck

__all__ = ["Card", "Deck"]
