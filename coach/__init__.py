"""Candor's engine: conversations, critique, the model gateway, storage and the CLI."""

from coach import offline as _offline

_offline.apply()

__version__ = "0.1.0"
