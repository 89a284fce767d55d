"""Ordered SQL migrations, applied by `services.core.db.migrate` (a package so they ship)."""
