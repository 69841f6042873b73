"""Grading files of answers: reading CSV/JSONL answer files, grading them in batches, writing the results."""
