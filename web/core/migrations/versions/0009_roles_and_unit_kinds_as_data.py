"""roles and unit kinds declared by the org chart, not by a CHECK list

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The roles and unit kinds revision 0001 fixed in code, with the words pages used for them; a
#: database upgraded from there keeps them declared until its next chart load renames them.
_ROLES = (
    ("clerk", "Văn thư", "Clerk"),
    ("director", "Giám đốc", "Director"),
    ("leader", "Lãnh đạo", "Leader"),
    ("division_head", "Trưởng phòng", "Division head"),
    ("specialist", "Chuyên viên", "Specialist"),
    ("office", "Văn phòng (kiểm tra thể thức)", "Office (format check)"),
    ("unit_officer", "Cán bộ đơn vị", "Unit officer"),
    ("supervisor", "Giám sát", "Supervisor"),
    ("auditor", "Kiểm tra", "Auditor"),
    ("admin", "Quản trị", "Administrator"),
)
_UNIT_KINDS = (
    "province",
    "agency",
    "division",
    "public_unit",
    "district",
    "district_culture_office",
    "district_culture_centre",
    "external",
)
_ROLE_CHECK = "role IN (" + ", ".join(f"'{code}'" for code, _, _ in _ROLES) + ")"


def upgrade() -> None:
    """Tables of the declared roles and unit kinds; a role assignment refers to a declared role.

    A unit's kind is checked against the declared kinds when the chart is loaded (the only writer
    of units): a foreign key there would make SQLite rebuild org_unit, which other tables refer to.
    """
    kinds = op.create_table(
        "org_unit_kind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_unit_kind")),
        sa.UniqueConstraint("code", name=op.f("uq_org_unit_kind_code")),
    )
    roles = op.create_table(
        "org_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_role")),
        sa.UniqueConstraint("code", name=op.f("uq_org_role_code")),
    )
    rows = [
        {"code": code, "name": name, "name_en": name_en, "position": i}
        for i, (code, name, name_en) in enumerate(_ROLES)
    ]
    op.bulk_insert(roles, rows)
    # Kinds already in use are declared too, so that no unit loses its kind's row.
    used = [row[0] for row in op.get_bind().execute(sa.text("SELECT DISTINCT kind FROM org_unit"))]
    every = [*_UNIT_KINDS, *sorted(set(used) - set(_UNIT_KINDS))]
    op.bulk_insert(kinds, [{"code": code, "name": code, "position": i} for i, code in enumerate(every)])
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_role_assignment_role"), type_="check")
        batch_op.create_foreign_key(op.f("fk_role_assignment_role_org_role"), "org_role", ["role"], ["code"])


def downgrade() -> None:
    """Back to 0008: the fixed CHECK list again (refused if someone holds a role outside it)."""
    with op.batch_alter_table("role_assignment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_role_assignment_role_org_role"), type_="foreignkey")
        batch_op.create_check_constraint(op.f("ck_role_assignment_role"), sa.text(_ROLE_CHECK))
    op.drop_table("org_role")
    op.drop_table("org_unit_kind")
