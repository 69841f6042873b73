"""quizzer: practise interview-style recall."""
__version__ = "0.1.0"
