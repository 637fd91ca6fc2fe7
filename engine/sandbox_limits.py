"""What one BPMN script or expression may cost: time, memory and the size of what it leaves behind.

Scripts come from administrators' BPMN, so a mistake (``while True: pass``, ``x = 10**10**8``, a
200 MB string stored in the case) must fail its own step with a reason, never hang or starve the
process that runs it. Four limits, each checked where it is cheap:

- **time**: every loop (``while`` bodies, and every ``for`` or comprehension through the iterator
  guard) looks at the clock; past the deadline the script stops.
- **size of one operation**: ``**``, ``*``, ``<<`` and ``+`` on numbers, strings and sequences are
  checked before they run, and ``range`` is bounded, so no single C-level operation builds a
  number or a sequence larger than the limit (those cannot be interrupted once started).
- **memory**: while a script runs, the process may grow by at most ``memory_bytes`` of address
  space (a soft RLIMIT_AS above what it already uses, restored afterwards): any allocation beyond
  that raises MemoryError in the script instead of exhausting the machine. Linux only; elsewhere
  the other limits still hold.
- **result**: what the script assigns is measured as JSON; more than ``result_bytes`` fails it.

A script over a limit raises `ScriptLimitExceeded`; SpiffWorkflow reports it as the step's error,
so a timer's script becomes an incident after its retries and a user's step is refused.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

try:  # Linux and other Unixes; the memory limit is skipped where the module does not exist.
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]


class ScriptLimitExceeded(Exception):
    """A script or expression went over one of its limits; the message says which and by how much."""


@dataclass(frozen=True)
class ScriptLimits:
    """The budget of one script or expression."""

    seconds: float = 5.0
    #: Elements of a sequence, characters of a string or bytes that one operation may build.
    items: int = 1_000_000
    #: Bits of an integer one operation may build (100,000 bits is about 30,000 digits).
    int_bits: int = 100_000
    #: Address space the process may grow by while the script runs.
    memory_bytes: int = 512 * 1024 * 1024
    #: Size of what one script assigns, as JSON.
    result_bytes: int = 1_000_000


DEFAULT_LIMITS: Final = ScriptLimits()
_SEQUENCES: Final = (str, bytes, list, tuple)
# How many items a loop takes between two looks at the clock.
_TICK_EVERY: Final = 256


@dataclass
class _Budget:
    limits: ScriptLimits
    deadline: float


_current: ContextVar[_Budget | None] = ContextVar("script_budget", default=None)


def _limits() -> ScriptLimits:
    budget = _current.get()
    return budget.limits if budget is not None else DEFAULT_LIMITS


@contextmanager
def budget(limits: ScriptLimits) -> Iterator[None]:
    """Run the enclosed script under `limits` (an enclosing budget keeps its earlier deadline)."""
    outer = _current.get()
    deadline = time.monotonic() + limits.seconds
    if outer is not None:
        deadline = min(deadline, outer.deadline)
    token = _current.set(_Budget(limits, deadline))
    try:
        with _address_space(limits.memory_bytes, nested=outer is not None):
            yield
    finally:
        _current.reset(token)


def tick() -> None:
    """Stop the script if its time is up (called at the top of every ``while`` body)."""
    budget_now = _current.get()
    if budget_now is not None and time.monotonic() > budget_now.deadline:
        raise ScriptLimitExceeded(f"the script ran longer than its limit of {budget_now.limits.seconds:g} s")


def guarded_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    """The iterator of a ``for`` loop or comprehension, looking at the clock as it goes."""
    for index, item in enumerate(iterable):
        if index % _TICK_EVERY == 0:
            tick()
        yield item


def guarded_range(*args: int) -> range:
    """``range``, refused when it would count past the item limit (``list(range(10**10))``)."""
    numbers = range(*args)
    _check_items(len(numbers), "range")
    return numbers


def arith(op: str, left: Any, right: Any) -> Any:
    """``left <op> right`` for the operators that can build something huge in one step, checked first."""
    limits = _limits()
    if op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            bits = right * math.log2(abs(left))
            if bits > limits.int_bits:
                raise ScriptLimitExceeded(
                    f"{left} ** {right} would have about {bits:,.0f} bits (limit {limits.int_bits:,})"
                )
        return left**right
    if op == "<<":
        if isinstance(left, int) and isinstance(right, int) and left and left.bit_length() + right > limits.int_bits:
            raise ScriptLimitExceeded(f"a shift by {right} would pass the limit of {limits.int_bits:,} bits")
        return left << right
    if op == "*":
        _check_product(left, right, limits)
        return left * right
    if op == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            _check_items(len(left) + len(right), "a concatenation")
        return left + right
    raise ValueError(f"unguarded operator {op!r}")


def guarded_pow(base: Any, exponent: Any, modulo: Any = None) -> Any:
    """The ``pow`` builtin: with a modulo it stays small; without, the ``**`` rule applies."""
    return pow(base, exponent, modulo) if modulo is not None else arith("**", base, exponent)


def _check_product(left: Any, right: Any, limits: ScriptLimits) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > limits.int_bits:
            raise ScriptLimitExceeded(f"a product would pass the limit of {limits.int_bits:,} bits")
        return
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, _SEQUENCES) and isinstance(times, int):
            _check_items(len(sequence) * max(times, 0), "a repetition")


def _check_items(count: int, what: str) -> None:
    limit = _limits().items
    if count > limit:
        raise ScriptLimitExceeded(f"{what} of {count:,} items would pass the limit of {limit:,}")


def check_result(assigned: Mapping[str, Any]) -> None:
    """Refuse a script whose assigned values would take more than the result limit as JSON.

    The size is estimated by walking the values (strings by length, numbers and the like by their
    text), stopping as soon as the limit is passed: a huge value is refused without being copied.
    """
    limit = _limits().result_bytes
    left = limit
    for name, value in assigned.items():
        left = _size_left(value, left)
        if left < 0:
            raise ScriptLimitExceeded(f"the script stored more than the limit of {limit:,} bytes (at {name!r})")


def _size_left(value: Any, left: int) -> int:
    # Each step subtracts roughly what json.dumps would write; negative means over the limit.
    stack = [value]
    while stack and left >= 0:
        item = stack.pop()
        if isinstance(item, str | bytes):
            left -= len(item) + 2
        elif isinstance(item, Mapping):
            left -= 2 + 2 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            left -= 2 + len(item)
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            left -= item.bit_length() // 3 + 1
        else:
            left -= len(str(item)) if not isinstance(item, bool | float) and item is not None else 5
    return left


# -- memory: a soft address-space limit while the script runs ------------------------------------

_STATM: Final = Path("/proc/self/statm")


def _address_space_now() -> int | None:
    try:
        pages = int(_STATM.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * resource.getpagesize()


@contextmanager
def _address_space(extra: int, *, nested: bool) -> Iterator[None]:
    if resource is None or nested:
        yield
        return
    used = _address_space_now()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = None if used is None else used + extra
    if (
        wanted is None
        or (hard != resource.RLIM_INFINITY and wanted > hard)
        or (soft != resource.RLIM_INFINITY and soft < wanted)
    ):
        yield  # no reading of our own size, or a tighter limit already set by the operator: leave it
        return
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


#: The names the sandbox adds for the limits: the transformer's calls and the bounded builtins.
GUARD_NAMES: Final[dict[str, Callable[..., Any]]] = {
    "_arith_": arith,
    "_tick_": tick,
    "_getiter_": guarded_iter,
}
LIMITED_BUILTINS: Final[dict[str, Callable[..., Any]]] = {"range": guarded_range, "pow": guarded_pow}
