"""Indexes the auditors' search across cases reads through (workflows/audit/search.py).

They live here, beside the search that needs them, rather than in engine/models.py: the engine
only appends events and reads one chain at a time. workflows/models.py imports this module so that
the schema and the migrations know them.
"""

from __future__ import annotations

from sqlalchemy import Index

from engine.models import AuditEvent, TaskRow

# A date range, newest first: the events of a few days are read in the results' order.
Index("ix_audit_event_at", AuditEvent.at)
# One person's events, newest first.
Index("ix_audit_event_actor_at", AuditEvent.actor, AuditEvent.at)
# From the task rows that match a step, role, unit or decision to their events.
Index("ix_audit_event_task", AuditEvent.task_id)
# The few tasks decided one way ("every return by a head of division"), without walking every task.
DECIDED = TaskRow.decision.is_not(None)
Index("ix_task_decision", TaskRow.decision, TaskRow.role, postgresql_where=DECIDED, sqlite_where=DECIDED)
