"""Delivering the outbox (workflows/notifications.py): messages in the application per person, and e-mail."""
