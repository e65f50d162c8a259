"""Demo and synthetic data: `flask --app app demo` and `demo generate` (never in production)."""
