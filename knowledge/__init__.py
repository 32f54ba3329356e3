"""The principles of honest selling in our own words, and retrieval over them (a later issue)."""
