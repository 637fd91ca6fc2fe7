"""The sandbox in which BPMN scripts and conditions run.

Scripts are compiled with RestrictedPython: no `import`, no `open`, no dunder attributes, and
only the builtins listed here. Besides the task data, a script sees exactly the functions the
domain layer registers for the current command; nothing else of the application is reachable.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any, Literal

from RestrictedPython.compile import compile_restricted
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .clock import Clock

_ALLOWED_BUILTINS: dict[str, Any] = {
    **safe_builtins,
    "all": all,
    "any": any,
    "dict": dict,
    "enumerate": enumerate,
    "list": list,
    "max": max,
    "min": min,
    "sorted": sorted,
    "sum": sum,
    "reversed": reversed,
}

_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def _guards() -> dict[str, Any]:
    return {
        "__builtins__": _ALLOWED_BUILTINS,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplacevar,
    }


@lru_cache(maxsize=2048)
def _compile(source: str, mode: Literal["exec", "eval"]) -> CodeType:
    try:
        code: CodeType = compile_restricted(source, filename="<bpmn>", mode=mode)
    except SyntaxError as exc:
        raise _readable(exc) from exc
    return code


def _readable(exc: SyntaxError) -> SyntaxError:
    # RestrictedPython lists every refused construct as "Line N: ..." in a tuple, without a line
    # number of its own; SpiffWorkflow's error reporting needs a message and a line.
    messages = exc.args[0] if exc.args and isinstance(exc.args[0], tuple) else (exc.msg or str(exc),)
    first = str(messages[0])
    match = re.match(r"Line (\d+):", first)
    line = exc.lineno or (int(match.group(1)) if match else 1)
    return SyntaxError("; ".join(str(m) for m in messages), ("<bpmn>", line, 1, None))


class SandboxEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """Evaluates expressions and runs scripts against task data inside the sandbox."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        super().__init__(dict(functions))

    def _globals(self, context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
        names = _guards()
        names.update(self.globals)
        names.update(external or {})
        names.update(context)
        return names

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        # The code was compiled by RestrictedPython and runs with guarded builtins only.
        return eval(_compile(expression.strip(), "eval"), self._globals(context, external_context))  # noqa: S307

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self.check_for_overwrite(context, external_context or {})
        names = self._globals(context, external_context)
        before = set(names)
        exec(_compile(script, "exec"), names)  # noqa: S102  (restricted code, guarded builtins)
        # Keep what the script assigned (new or changed names), drop the guards and functions.
        for key, value in names.items():
            if key in context or key not in before:
                if key.startswith("_") or callable(value) or key in self.globals:
                    continue
                context[key] = value
        return True


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's script engine, sandboxed, with the command's clock attached for timers."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]], clock: Clock) -> None:
        super().__init__(environment=SandboxEnvironment(functions))
        self.clock = clock
