"""Unit-level completion reports for HR and admins: on screen, as CSV, XLSX and PDF, and a chart."""
