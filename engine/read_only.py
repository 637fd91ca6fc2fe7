"""Read-only actors: people who may open every case and change nothing (an auditor).

Every command of `Engine` that acts in someone's name asks the directory first
(`Directory.reads_only`) and refuses a read-only actor with `ReadOnlyActor` before it loads or
stores anything. A person holding a read-only role beside another role acts with the other role:
the directory answers "read only" only for those who hold nothing else.

The answer is kept for the rest of the transaction (several commands of one request ask once) and
forgotten when it ends, so a role given or taken away counts from the next transaction on.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.event import listens_for
from sqlalchemy.orm import Session, SessionTransaction

from .errors import ReadOnlyActor
from .instances import conflicts_translated
from .ports import Directory


class _HasDirectory(Protocol):
    session: Session
    directory: Directory


S = TypeVar("S", bound=_HasDirectory)
P = ParamSpec("P")
R = TypeVar("R")


def refuse(directory: Directory, actor: str, action: str, session: Session | None = None) -> None:
    """Raise ReadOnlyActor when `actor` may only read; with `session`, asking the directory once per transaction."""
    verdicts: dict[str, bool] = session.info.setdefault(_VERDICTS, {}) if session is not None else {}
    reads_only = verdicts.get(actor)
    if reads_only is None:
        reads_only = verdicts[actor] = directory.reads_only(actor)
    if reads_only:
        raise ReadOnlyActor(actor, action)


# Whether each actor reads only, as the directory answered in this transaction.
_VERDICTS = "read_only_verdicts"


@listens_for(Session, "after_transaction_end")
def _forget_verdicts(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_VERDICTS, None)


def command(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """An engine command: a read-only `actor` argument is refused first, then optimistic-lock races
    surface as ConcurrencyConflict (engine/instances.py). Commands without an actor (a job) run as the system."""
    # Where the actor comes among the positional arguments (self first), found once, not per call.
    names = list(inspect.signature(method).parameters)
    position = names.index("actor") if "actor" in names else None
    translated = conflicts_translated(method)

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        actor: Any = kwargs.get("actor")
        if actor is None and position is not None and position - 1 < len(args):
            actor = args[position - 1]
        if isinstance(actor, str):
            refuse(self.directory, actor, method.__name__, self.session)
        return translated(self, *args, **kwargs)

    return wrapper
