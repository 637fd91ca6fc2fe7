"""Writing the rows every command writes straight to their tables, keeping the session's objects in step.

A new case's instance and task rows, a task completed and an instance saved are the writes of
nearly every command. Through the ORM's unit of work each costs the engine's process two to three
times the statement itself (`python -m bench.instance_cost` counts it); here each statement is
built once and the objects are told their values are stored, so that no later flush writes them
again. The optimistic lock stays what the mappings declare (`version_id_col`): a row is updated
only if its version is still the one read, and a row someone else changed meanwhile is a
ConcurrencyConflict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Insert, Table, Update, UpdateBase, bindparam, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .instances import changed_meanwhile

# A statement sent along with an UPDATE (built once, so that its identity names it) and its parameters.
Along = tuple[UpdateBase, Mapping[str, Any]]
# One statement per table, set of columns written and statements sent along: SQLAlchemy then finds it compiled.
_UPDATES: dict[tuple[str, frozenset[str], tuple[int, ...]], Update] = {}


def _update(table: Table, columns: frozenset[str], along: Sequence[UpdateBase]) -> Update:
    key = (table.name, columns, tuple(id(statement) for statement in along))
    statement = _UPDATES.get(key)
    if statement is None:
        (primary_key,) = table.primary_key.columns
        statement = (
            table.update()
            .where(primary_key == bindparam("_id"), table.c.version == bindparam("_read_version"))
            .values({name: bindparam(name) for name in columns} | {"version": bindparam("_version")})
        )
        for number, other in enumerate(along):
            # PostgreSQL runs a data-modifying WITH whether or not the UPDATE after it finds its row;
            # a conflict then rolls all of them back with the command.
            statement = statement.add_cte(other.cte(f"along_{number}"))
        _UPDATES[key] = statement
    return statement


def write(
    session: Session,
    row: Any,
    values: Mapping[str, Any],
    what: str,
    *,
    instance_id: int | None = None,
    task_id: str | None = None,
    along: Sequence[Along] = (),
) -> None:
    """Store `values` in the row of the persistent object `row` and move its version on, if no one
    changed the row since it was read; `row` then holds them as stored.

    Other attributes of `row` changed and not written here stay for the next flush, which checks
    the new version. A lost race raises ConcurrencyConflict naming `what`, and nothing is written.
    On PostgreSQL, the statements `along` (each built once, with its parameters, named apart) go in
    the same statement, each as a WITH: one round trip where there were several.
    """
    state = inspect(row)
    read_version = row.version
    parameters = {
        **values,
        "_id": state.identity[0],
        "_read_version": read_version,
        "_version": read_version + 1,
    }
    for _statement, its_parameters in along:
        parameters.update(its_parameters)
    statement = _update(state.mapper.local_table, frozenset(values), [each for each, _ in along])
    if session.connection().execute(statement, parameters).rowcount != 1:
        raise changed_meanwhile(what, instance_id=instance_id, task_id=task_id)
    for name, value in values.items():
        set_committed_value(row, name, value)
    set_committed_value(row, "version", read_version + 1)


_INSERTS: dict[str, Insert] = {}
# PostgreSQL's INSERTs of one row in each of several tables at once, by the tables.
_TOGETHER: dict[tuple[str, ...], Insert] = {}


def insert(session: Session, *groups: Sequence[Any]) -> None:
    """INSERT the rows of new objects, pending in the session, and make them persistent there.

    Each group holds objects of one class, its rows written after those of the groups before it
    (an instance's, then its task rows'): on PostgreSQL, when each group is one row, all in one
    statement, the rows before the last as WITHs (foreign keys are checked at its end); otherwise a
    statement a group. As a flush would, each row starts at version 1; a column left unset is
    stored as NULL.
    """
    groups = tuple(group for group in groups if group)
    if not groups:
        return
    for group in groups:
        for row in group:
            row.version = 1
    values = [[_values(row) for row in group] for group in groups]
    # One row a group: SQLAlchemy compiles an INSERT of several rows' VALUES at every execution.
    if len(groups) > 1 and all(len(group) == 1 for group in groups) and session.get_bind().dialect.name == "postgresql":
        tables = [inspect(group[0]).mapper.local_table for group in groups]
        parameters = {f"g{g}_{name}": value for g, (row,) in enumerate(values) for name, value in row.items()}
        session.connection().execute(_together(tables, [row for (row,) in values]), parameters)
    else:
        for group, rows in zip(groups, values, strict=True):
            table = inspect(group[0]).mapper.local_table
            statement = _INSERTS.get(table.name)
            if statement is None:
                statement = _INSERTS[table.name] = table.insert()
            session.connection().execute(statement, rows)
    for group in groups:
        for row in group:
            # A detached object whose values are its row's, attached again: persistent, as after a flush.
            session.expunge(row)
            make_transient_to_detached(row)
            session.add(row)


def _values(row: Any) -> dict[str, Any]:
    return {attribute.columns[0].name: getattr(row, attribute.key) for attribute in inspect(row).mapper.column_attrs}


def _together(tables: Sequence[Table], rows: Sequence[Mapping[str, Any]]) -> Insert:
    key = tuple(table.name for table in tables)
    statement = _TOGETHER.get(key)
    if statement is None:
        inserts = [
            table.insert().values({name: bindparam(f"g{g}_{name}") for name in row})
            for g, (table, row) in enumerate(zip(tables, rows, strict=True))
        ]
        *before, statement = inserts
        for number, other in enumerate(before):
            statement = statement.add_cte(other.cte(f"written_{number}"))
        _TOGETHER[key] = statement
    return statement
