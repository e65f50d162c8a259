"""Quizzes: answering a lesson's questions, grading on the server, results and attempts."""
