"""The baseline: the smallest Flask app, served by gunicorn exactly like the academy.

Its requests per second are the ceiling that Flask, gunicorn and the load generator allow on
this machine, so the lesson page is judged as a share of it rather than in absolute numbers.
"""

from __future__ import annotations

from flask import Flask

HELLO_TEXT = "Hello, World!"

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    """The one page: a short text."""
    return HELLO_TEXT
