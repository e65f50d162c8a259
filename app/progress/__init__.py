"""Stored progress: lesson rows and enrollment rollups, written as learners work.

Shared by the learner pages, the quizzes and the course sync; it imports no blueprint.
"""
