"""Benchmarks of the academy: `python -m bench [NAME ...] [--quick] [--pg URL]`.

Not part of the test suite or CI. Every benchmark talks only to 127.0.0.1, runs for a bounded
time, and cleans up the databases and servers it started. See docs/performance.md.
"""
