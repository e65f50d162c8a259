"""Backup and restore: `flask --app app backup create|verify|restore FILE`.

One archive file holds a consistent copy of the database (SQLite's online backup, or
`pg_dump --format=custom` inside one snapshot) and the instance files the database points at
(evidence uploads, the studio's revisions and git checkouts, the outbox), with a manifest of
row counts and checksums. `archive` is the file format, `sqlite` and `postgres` copy and load
the database, `folders` the instance files, `operations` the three commands' steps, `cli`
the commands themselves.
"""
