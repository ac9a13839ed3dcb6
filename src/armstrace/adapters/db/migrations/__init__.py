"""Alembic migrations of the armstrace store."""
