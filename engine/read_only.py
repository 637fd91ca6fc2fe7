"""Read-only actors: people who may open every case and change nothing (an auditor).

Every command of `Engine` that acts in someone's name asks the directory first
(`Directory.reads_only`) and refuses a read-only actor with `ReadOnlyActor` before it loads or
stores anything. A person holding a read-only role beside another role acts with the other role:
the directory answers "read only" only for those who hold nothing else.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from .errors import ReadOnlyActor
from .instances import conflicts_translated
from .ports import Directory


class _HasDirectory(Protocol):
    directory: Directory


S = TypeVar("S", bound=_HasDirectory)
P = ParamSpec("P")
R = TypeVar("R")


def refuse(directory: Directory, actor: str, action: str) -> None:
    """Raise ReadOnlyActor when `actor` may only read."""
    if directory.reads_only(actor):
        raise ReadOnlyActor(actor, action)


def command(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """An engine command: a read-only `actor` argument is refused first, then optimistic-lock races
    surface as ConcurrencyConflict (engine/instances.py). Commands without an actor (a job) run as the system."""
    signature = inspect.signature(method)
    translated = conflicts_translated(method)

    @functools.wraps(method)
    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        actor: Any = signature.bind(self, *args, **kwargs).arguments.get("actor")
        if isinstance(actor, str):
            refuse(self.directory, actor, method.__name__)
        return translated(self, *args, **kwargs)

    return wrapper
