"""The sample's one app: notes stored in SQLite or PostgreSQL, created through a CSRF-protected form, plus a session counter."""
