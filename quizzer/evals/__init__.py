"""Grading evals: labelled datasets, runs of graders over them, figures, reports and comparisons."""
