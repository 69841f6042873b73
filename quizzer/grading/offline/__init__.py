"""The offline grader: sentence embeddings, token alignment, word checks and a trained verifier, mapped to a
fitted probability and decided with bands."""
