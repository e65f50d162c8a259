"""Course content: parse Markdown course folders, validate them and report problems."""
