"""The running-cases list of administrators: its filters read from the query string and the query they make.

Without a process chosen the list holds top-level instances (cases and the rounds that belong to
them); with one, every instance of that process, children included (a unit's part is an instance
of its own process). Rows come newest first from the primary key, filters ride on the indexed
columns (process key, status, a case's open task rows), and the count stops at `COUNT_CAP`, so a
page costs the same with 100,000 cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from math import ceil
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from engine.models import ProcessDefinition, ProcessInstance, TaskRow
from engine.text import fold
from web.tasks.day_input import day_or_problem

PAGE_SIZE = 50
COUNT_CAP = 1000
STATUSES = ("running", "suspended", "completed", "cancelled")
FIELDS = ("process", "version", "status", "unit", "from", "to", "q")


@dataclass
class CaseFilters:
    """What the administrator asked for, checked: each bad field named in `errors`."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    version: int | None = None
    started_from: date | None = None
    started_to: date | None = None
    page: int = 1


@dataclass(frozen=True)
class Listed:
    """One instance of the list, with its version number."""

    instance: ProcessInstance
    version: int


@dataclass(frozen=True)
class CasePage:
    """One page of the list; `complete` is False when there are more than `COUNT_CAP`."""

    rows: list[Listed]
    total: int
    complete: bool
    page: int
    pages: int


def read_filters(args: Mapping[str, str], processes: set[str], units: set[str]) -> CaseFilters:
    """The filters of the query string, each wrong one named at its field in Vietnamese."""
    values = {name: (args.get(name) or "").strip()[:200] for name in FIELDS}
    filters = CaseFilters(values)
    errors = filters.errors
    if values["process"] and values["process"] not in processes:
        errors["process"] = _("Quy trình không tồn tại.")
    if values["version"]:
        if not values["version"].isdigit() or int(values["version"]) < 1:
            errors["version"] = _("Phiên bản là một số nguyên dương, ví dụ 2.")
        elif not values["process"]:
            errors["version"] = _("Chọn quy trình trước khi chọn phiên bản.")
        else:
            filters.version = int(values["version"])
    if values["status"] and values["status"] not in STATUSES:
        errors["status"] = _("Trạng thái không hợp lệ.")
    if values["unit"] and values["unit"] not in units:
        errors["unit"] = _("Đơn vị không tồn tại.")
    filters.started_from, problem = day_or_problem(values["from"])
    if problem:
        errors["from"] = problem
    filters.started_to, problem = day_or_problem(values["to"])
    if problem:
        errors["to"] = problem
    if filters.started_from and filters.started_to and filters.started_to < filters.started_from:
        errors["to"] = _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.")
    page = args.get("page") or "1"
    filters.page = int(page) if page.isdigit() and 0 < int(page) <= COUNT_CAP // PAGE_SIZE else 1
    return filters


def _conditions(session: Session, filters: CaseFilters, zone: tzinfo) -> list[ColumnElement[bool]]:
    values = filters.values
    where: list[ColumnElement[bool]] = []
    if values["process"]:
        where.append(ProcessInstance.process_key == values["process"])
    else:
        # On SQLite "+ 0" keeps the planner off the (parent_id, status) index: it would read every case
        # to sort them, where walking the primary key from the newest stops after a page. PostgreSQL's
        # planner weighs the two itself.
        parent = ProcessInstance.parent_id
        where.append((parent + 0 if session.get_bind().dialect.name == "sqlite" else parent).is_(None))
    if filters.version is not None:
        # The version as its definition's id: the instances are read alone, without a join to sort through.
        definition = select(ProcessDefinition.id).where(
            ProcessDefinition.key == values["process"], ProcessDefinition.version == filters.version
        )
        where.append(ProcessInstance.definition_id == (session.scalar(definition) or 0))
    if values["status"]:
        where.append(ProcessInstance.status == values["status"])
    if values["unit"]:
        # Cases where the unit has work waiting: read from the open task rows' index.
        waiting = select(TaskRow.case_id).where(TaskRow.state == "ready", TaskRow.candidate_unit == values["unit"])
        where.append(ProcessInstance.case_id.in_(waiting))
    if filters.started_from:
        where.append(ProcessInstance.started_at >= _start_of(filters.started_from, zone))
    if filters.started_to:
        where.append(ProcessInstance.started_at < _start_of(filters.started_to + timedelta(days=1), zone))
    if values["q"]:
        text = values["q"].lstrip("#")
        matches: list[ColumnElement[bool]] = [
            ProcessInstance.search_text.contains(fold(values["q"]), autoescape=True),
            ProcessInstance.business_key == values["q"],
        ]
        if text.isdigit():
            matches += [ProcessInstance.id == int(text), ProcessInstance.case_id == int(text)]
        where.append(or_(*matches))
    return where


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def find(session: Session, filters: CaseFilters, zone: tzinfo) -> CasePage:
    """One page of the instances the filters select, newest first, with a capped count."""
    where = _conditions(session, filters, zone)
    capped = select(ProcessInstance.id).where(*where).limit(COUNT_CAP + 1).subquery()
    total = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    pages = max(ceil(min(total, COUNT_CAP) / PAGE_SIZE), 1)
    page = min(filters.page, pages)
    query: Any = (
        select(ProcessInstance)
        .where(*where)
        .order_by(ProcessInstance.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    instances = list(session.scalars(query))
    # The page's few versions in one small query, rather than a join the database would sort through.
    wanted = {instance.definition_id for instance in instances}
    versions = dict(
        session.execute(
            select(ProcessDefinition.id, ProcessDefinition.version).where(ProcessDefinition.id.in_(wanted))
        ).all()
    )
    rows = [Listed(instance, versions.get(instance.definition_id, 0)) for instance in instances]
    return CasePage(rows, min(total, COUNT_CAP), total <= COUNT_CAP, page, pages)


def process_choices(session: Session) -> list[tuple[str, str]]:
    """Every deployed process as (key, name of its newest version), by name."""
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    query = select(ProcessDefinition.key, ProcessDefinition.name).join(
        newest, (newest.c.key == ProcessDefinition.key) & (newest.c.version == ProcessDefinition.version)
    )
    return sorted(((key, name) for key, name in session.execute(query)), key=lambda pair: pair[1].casefold())
