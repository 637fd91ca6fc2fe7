"""The officer-facing pages, one blueprint per page family."""
