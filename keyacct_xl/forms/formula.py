"""Computed table columns: ``{qty}*{unit_price}`` written as an Excel formula, and evaluated for cached values.

Only + - * / and parentheses over other columns and numbers are allowed, so the same text is valid
Python and Excel arithmetic; the cached value lets programs that do not recalculate (LibreOffice's
default for xlsx, python readers) show the right figure in a pre-filled form.
"""

from __future__ import annotations

import ast
import functools
import numbers
import operator
import re
from collections.abc import Callable, Collection, Mapping

REF = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_OPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def formula_refs(formula: str) -> list[str]:
    """The column keys a formula reads, in order of first use."""
    return list(dict.fromkeys(REF.findall(formula)))


@functools.lru_cache(maxsize=256)
def _tree(formula: str) -> ast.expr:
    """The formula's checked syntax tree; parsed once per formula text (a table evaluates it on every line)."""
    try:
        tree = ast.parse(REF.sub(r"\1", formula), mode="eval").body
    except SyntaxError:
        raise ValueError("not an arithmetic expression") from None
    allowed = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.USub, *_OPS)
    for node in ast.walk(tree):
        text_constant = isinstance(node, ast.Constant) and not isinstance(node.value, (int, float))
        if not isinstance(node, allowed) or text_constant:
            raise ValueError(f"only + - * / ( ) over {{columns}} and numbers are allowed, not {type(node).__name__}")
        if isinstance(node, ast.Name) and f"{{{node.id}}}" not in formula:
            raise ValueError(f"{node.id!r} must be written as {{{node.id}}}")
    return tree


def check_formula(formula: str) -> None:
    """Raise ValueError when ``formula`` uses anything beyond arithmetic over ``{column}`` references."""
    _tree(formula)


def excel_formula(formula: str, cells: Mapping[str, str]) -> str:
    """The Excel formula for one row: blank while every input is blank, else the arithmetic."""
    refs = formula_refs(formula)
    expr = REF.sub(lambda m: cells[m.group(1)], formula)
    return f'=IF(COUNT({",".join(cells[k] for k in refs)})=0,"",{expr})'


def evaluate(formula: str, values: Mapping[str, object]) -> float | None:
    """The formula's value for one row; None when an input is missing or not a number, or on division by zero."""
    inputs: dict[str, float] = {}
    for key in formula_refs(formula):
        value = values.get(key)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
            return None
        inputs[key] = float(value)

    def run(node: ast.expr) -> float:
        if isinstance(node, ast.BinOp):
            return _OPS[type(node.op)](run(node.left), run(node.right))
        if isinstance(node, ast.UnaryOp):
            return -run(node.operand)
        if isinstance(node, ast.Name):
            return inputs[node.id]
        return float(node.value)  # type: ignore[attr-defined]

    try:
        return run(_tree(formula))
    except ZeroDivisionError:
        return None


def computed_value(formula: str, values: Mapping[str, object], refused: Collection[str] = ()) -> float | None:
    """A computed column's value as the form's formula gives it (``forms.formula.excel_formula``): blank while every
    input is blank, a blank input counting as 0 beside a number; blank when an input was typed but could not be read
    (a score of 11 on a 1-10 scale leaves the weighted score blank, not 0.7 × 11), or on a division by zero."""
    refs = formula_refs(formula)
    if any(k in refused for k in refs) or all(values.get(k) is None for k in refs):
        return None
    value = evaluate(formula, {k: 0.0 if values.get(k) is None else values.get(k) for k in refs})
    return None if value is None else round(value, 6)
