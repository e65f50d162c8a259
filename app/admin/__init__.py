"""Administration: users, roles, units, and the units and users imports (admins only)."""
