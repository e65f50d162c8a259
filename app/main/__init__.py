"""The home page and site-wide pages (language choice)."""
