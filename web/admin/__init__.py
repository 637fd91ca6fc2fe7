"""Administrators' pages: for now the jobs that became incidents, to see and retry."""
