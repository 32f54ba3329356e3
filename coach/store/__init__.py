"""Storage: sessions and turns in SQLite (default) or PostgreSQL (``CANDOR_DB_URL``)."""

from coach.store.db import Store, redact_url
from coach.store.records import SessionRecord, TurnRecord

__all__ = ["SessionRecord", "Store", "TurnRecord", "redact_url"]
