"""Auditors' pages: one case's timeline, the search across cases and the exports."""
