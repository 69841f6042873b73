"""Grading: the Grade type, the grader protocol and the graders themselves."""

from quizzer.grading.types import Grade, Grader, GraderInfo, KeyPointResult, Submission, Verdict

__all__ = ["Grade", "Grader", "GraderInfo", "KeyPointResult", "Submission", "Verdict"]
