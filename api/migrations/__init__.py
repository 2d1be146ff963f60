"""Alembic migrations of Sportello's relational schema (run by `sportello db upgrade`)."""
