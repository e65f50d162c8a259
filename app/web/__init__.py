"""Pieces every blueprint's pages share: the base form, pagination, security headers."""
