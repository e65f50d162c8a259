"""Assignments: HR officers and administrators make courses required for a unit's people."""
