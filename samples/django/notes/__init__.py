"""The sample's one app: notes stored in SQLite, created through a CSRF-protected form, plus a session counter."""
