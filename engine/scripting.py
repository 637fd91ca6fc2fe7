"""The sandbox in which BPMN scripts and conditions run.

Scripts are compiled with RestrictedPython: no `import`, no `open`, no dunder attributes, and
only the builtins listed here. Besides the task data, a script sees exactly the functions the
domain layer registers for the current command; nothing else of the application is reachable.
Each runs within the limits of `engine.sandbox_limits` (time, size of one operation, memory, size
of what it stores), which the compiler below wires into every loop and large-building operator.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from types import CodeType
from typing import Any, Literal

from RestrictedPython.compile import compile_restricted
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .clock import Clock
from .sandbox_limits import (
    DEFAULT_LIMITS,
    GUARD_NAMES,
    LIMITED_BUILTINS,
    ScriptLimitExceeded,
    ScriptLimits,
    arith,
    budget,
    check_result,
)

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
    **LIMITED_BUILTINS,
}

_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "-=": operator.isub,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
}
# The augmented operators that can build something huge go through the same checks as their binary forms.
_GUARDED_INPLACE: dict[str, str] = {"+=": "+", "*=": "*", "**=": "**", "<<=": "<<"}
_GUARDED_BINOPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    if op in _GUARDED_INPLACE:
        return arith(_GUARDED_INPLACE[op], target, value)
    if op not in _INPLACE:
        raise SyntaxError(f"the operator {op} is not allowed in scripts")
    return _INPLACE[op](target, value)


class _LimitedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus the calls through which the limits are kept (engine/sandbox_limits.py)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802  (ast.NodeVisitor's naming)
        visited = super().visit_BinOp(node)
        assert isinstance(visited, ast.BinOp)
        node = visited
        op = _GUARDED_BINOPS.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(
            func=ast.Name("_arith_", ast.Load()), args=[ast.Constant(op), node.left, node.right], keywords=[]
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_While(self, node: ast.While) -> ast.AST:  # noqa: N802  (ast.NodeVisitor's naming)
        visited = super().visit_While(node)
        assert isinstance(visited, ast.While)
        node = visited
        check = ast.Expr(ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]))
        node.body.insert(0, ast.fix_missing_locations(ast.copy_location(check, node)))
        return node


def _guards() -> dict[str, Any]:
    return {
        "__builtins__": _ALLOWED_BUILTINS,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplacevar,
        **GUARD_NAMES,
    }


@lru_cache(maxsize=2048)
def _compile(source: str, mode: Literal["exec", "eval"]) -> CodeType:
    try:
        code: CodeType = compile_restricted(source, filename="<bpmn>", mode=mode, policy=_LimitedTransformer)
    except SyntaxError as exc:
        raise _readable(exc) from exc
    return code


def compile_problem(source: str, mode: Literal["exec", "eval"]) -> str | None:
    """Why `source` would not compile in the sandbox (line and reason), or None when it does."""
    try:
        _compile(source.strip() if mode == "eval" else source, mode)
    except ValueError as exc:  # e.g. a NUL character in the text
        return str(exc)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}" if exc.lineno else str(exc.msg)
    return None


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

    def __init__(self, functions: Mapping[str, Callable[..., Any]], limits: ScriptLimits = DEFAULT_LIMITS) -> None:
        super().__init__(dict(functions))
        self.limits = limits

    def _globals(self, context: Mapping[str, Any], external: Mapping[str, Any] | None) -> dict[str, Any]:
        names = _guards()
        names.update(self.globals)
        names.update(external or {})
        names.update(context)
        return names

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        # The code was compiled by RestrictedPython and runs with guarded builtins only.
        code = _compile(expression.strip(), "eval")
        with budget(self.limits), _out_of_memory_named(self.limits):
            return eval(code, self._globals(context, external_context))  # noqa: S307

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self.check_for_overwrite(context, external_context or {})
        names = self._globals(context, external_context)
        before = set(names)
        code = _compile(script, "exec")
        with budget(self.limits), _out_of_memory_named(self.limits):
            exec(code, names)  # noqa: S102  (restricted code, guarded builtins)
            # Keep what the script assigned (new or changed names), drop the guards and functions.
            assigned = {
                key: value
                for key, value in names.items()
                if (key in context or key not in before)
                and not (key.startswith("_") or callable(value) or key in self.globals)
            }
            check_result({key: value for key, value in assigned.items() if context.get(key, _ABSENT) is not value})
        context.update(assigned)
        return True


_ABSENT = object()


@contextmanager
def _out_of_memory_named(limits: ScriptLimits) -> Iterator[None]:
    try:
        yield
    except MemoryError as exc:
        megabytes = limits.memory_bytes // (1024 * 1024)
        raise ScriptLimitExceeded(f"the script needed more memory than its limit of {megabytes} MB") from exc


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's script engine, sandboxed, with the command's clock attached for timers."""

    def __init__(
        self, functions: Mapping[str, Callable[..., Any]], clock: Clock, limits: ScriptLimits = DEFAULT_LIMITS
    ) -> None:
        super().__init__(environment=SandboxEnvironment(functions, limits))
        self.clock = clock
