"""Importing units and users from CSV files: read, check into a plan (nothing written), apply.

The commands (`units import`, `users import`) and the administration pages share every step.
"""
