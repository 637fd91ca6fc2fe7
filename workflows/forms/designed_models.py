"""The table of forms designed in the browser: one row per version, never changed once stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base
from engine.types import UtcDateTime

JsonValue = JSON().with_variant(JSONB(), "postgresql")


class DesignedForm(Base):
    """One version of a designed form: its form-js schema as the administrator saved it.

    A BPMN user task names a version (``designed:<key>:<version>``), so a process version keeps
    the form it was deployed with; saving a changed form adds a row with the next version.
    """

    __tablename__ = "designed_form"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    schema_json: Mapped[dict[str, Any]] = mapped_column(JsonValue)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
