"""Tables of the organisation chart: units, recipient groups, users, role assignments, settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

# JSONB on PostgreSQL so that selectors and settings can be indexed or queried later.
JsonValue = JSON().with_variant(JSONB(), "postgresql")


class UnitKind(Base):
    """A kind of unit the chart declares (an agency, a division, a commune…): selectors name kinds."""

    __tablename__ = "org_unit_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)


class Role(Base):
    """A role the chart declares: a lane of the processes names one, and users hold them in units."""

    __tablename__ = "org_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: What people call it (Vietnamese), and in English when the chart says.
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)


class Unit(Base):
    """An organisation unit: province, agency, division, recipient unit or outside body."""

    __tablename__ = "org_unit"
    __table_args__ = (Index("ix_org_unit_kind_parent", "kind", "parent_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Canonical ASCII code; the printed forms below vary between documents (see docs/nd30.md §2).
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str] = mapped_column(String(255))
    header_name: Mapped[str | None] = mapped_column(String(255))
    notation: Mapped[str] = mapped_column(String(32))
    display_code: Mapped[str] = mapped_column(String(32))
    # One of the chart's unit kinds (org_unit_kind), checked when the chart is loaded.
    kind: Mapped[str] = mapped_column(String(32))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("org_unit.code"), index=True)
    email: Mapped[str | None] = mapped_column(String(255))
    # Mã định danh điện tử (QĐ 20/2020/QĐ-TTg): the unit's address on the interconnection axis.
    organ_id: Mapped[str | None] = mapped_column(String(32))
    # Inclusive on both ends: a unit dissolved on 30/6/2025 has valid_to 2025-06-30.
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(Text)

    def is_valid_on(self, on: date) -> bool:
        """Whether the unit exists on day `on`."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class RecipientGroup(Base):
    """A named set of units written as one "Kính gửi" line and resolved to units at send time."""

    __tablename__ = "recipient_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    addressee_line: Mapped[str] = mapped_column(Text)
    # {"kind": ..., "parent": <unit code>?, "parent_kind": ...?}
    selector: Mapped[dict[str, Any]] = mapped_column(JsonValue)
    position: Mapped[int] = mapped_column(default=0)


class User(Base):
    """A person who signs in and acts in the workflows."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    initials: Mapped[str] = mapped_column(String(16))
    position_title: Mapped[str] = mapped_column(String(128))
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"), index=True)
    email: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # How a leader who is not the head signs (ND30 Phụ lục I): "Q." acting head, "TL." by order,
    # "TUQ." by written authorisation, "TM." for a collective body; empty means "KT." (ký thay).
    signs_as: Mapped[str | None] = mapped_column(String(8))


class RoleAssignment(Base):
    """A user holds a role in a unit; the engine offers a task to holders of its lane's role."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("username", "role", "unit_code"),
        Index("ix_role_assignment_role_unit", "role", "unit_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("app_user.username"))
    # A misspelt role would silently grant nothing or the wrong thing: only a declared role is stored.
    role: Mapped[str] = mapped_column(ForeignKey("org_role.code"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"))


class Setting(Base):
    """An agency-wide setting, e.g. the agency's unit code or whether format checks are required."""

    __tablename__ = "app_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[Any] = mapped_column(JsonValue)
