"""The trainer studio: uploading, checking, previewing and publishing courses in the browser."""
