"""Course content: parse Markdown course folders, check them (file:line problems), render and
sanitise them, sync them into the database, and look synced courses up."""
