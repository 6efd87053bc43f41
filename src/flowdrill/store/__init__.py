"""Storage: SQLAlchemy engine, tables, Alembic migrations and the tamper-evident event log."""
