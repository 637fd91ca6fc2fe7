"""Auditors' pages: the search across cases and the exports."""
