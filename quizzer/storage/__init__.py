"""Every SQLite file quizzer keeps: the review database and the embedding cache, with all their queries."""
