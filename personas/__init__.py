"""Persona and scenario cards and their loader (built in a later issue)."""
