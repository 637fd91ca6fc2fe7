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

from .errors import ConcurrencyConflict

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
    table = inspect(row).mapper.local_table
    read_version = row.version
    parameters = {
        **values,
        "_id": inspect(row).identity[0],
        "_read_version": read_version,
        "_version": read_version + 1,
    }
    for _statement, its_parameters in along:
        parameters.update(its_parameters)
    done = session.connection().execute(_update(table, frozenset(values), [each for each, _ in along]), parameters)
    if done.rowcount != 1:
        raise ConcurrencyConflict(
            f"{what} was changed by someone else at the same time; nothing was saved, please reload",
            instance_id=instance_id,
            task_id=task_id,
        )
    for name, value in values.items():
        set_committed_value(row, name, value)
    set_committed_value(row, "version", read_version + 1)


_INSERTS: dict[str, Insert] = {}


def insert(session: Session, rows: Sequence[Any]) -> None:
    """INSERT the rows of new objects of one class, pending in the session, and make them persistent there.

    As a flush would, each row starts at version 1; a column left unset is stored as NULL.
    """
    if not rows:
        return
    mapper = inspect(rows[0]).mapper
    table = mapper.local_table
    statement = _INSERTS.get(table.name)
    if statement is None:
        statement = _INSERTS[table.name] = table.insert()
    columns = [(attribute.key, attribute.columns[0].name) for attribute in mapper.column_attrs]
    for row in rows:
        row.version = 1
    session.connection().execute(statement, [{name: getattr(row, key) for key, name in columns} for row in rows])
    for row in rows:
        # A detached object whose values are its row's, attached again: persistent, as after a flush.
        session.expunge(row)
        make_transient_to_detached(row)
        session.add(row)
