"""Every SQLite file quizzer touches: the review database and the embedding cache, with all their queries, and
the collection inside an Anki package (read-only on import, written new on export)."""
