"""The answer builder holds no unnamed weight: every number that decides which answer wins is a named constant
with a line saying why (or a fitted parameter in a file, rag/extract/*.json), as the developers' guide asks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import rag.answering

PACKAGE = Path(rag.answering.__file__).parent
# 0, 1 and -1 (identities, offsets, the ends of [0, 1]) and 2 (a pair, a word of two characters) are no weights
STRUCTURAL = {0, 1, -1, 2}
_CONSTANT = re.compile(r"_?[A-Z][A-Z0-9_]*")


def _constant_targets(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Assign):
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign):
        target = node.target
    else:
        return None
    names = [target] if isinstance(target, ast.Name) else list(getattr(target, "elts", []))
    if names and all(isinstance(n, ast.Name) and _CONSTANT.fullmatch(n.id) for n in names):
        return [n.id for n in names]
    return None


def unnamed_numbers(source: str) -> list[tuple[int, object]]:
    """Number literals of ``source`` outside a module-level constant, a subscript index, round() or a decorator."""
    tree = ast.parse(source)
    exempt: set[int] = set()
    for node in tree.body:
        if _constant_targets(node) is not None:
            exempt.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            exempt.add(id(node.slice))  # a field of a tuple (tokens[i][3])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "round":
            exempt.update(id(n) for n in ast.walk(node))
        elif isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                exempt.update(id(n) for n in ast.walk(decorator))
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and type(node.value) in (int, float)
        and node.value not in STRUCTURAL
        and id(node) not in exempt
    )


def unexplained_constants(source: str) -> list[str]:
    """Module-level constants set to a number with no comment on their line or above their group of constants."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out = []
    for node in tree.body:
        names = _constant_targets(node)
        if names is None or not any(
            isinstance(n, ast.Constant) and type(n.value) in (int, float) and n.value not in STRUCTURAL
            for n in ast.walk(node)
        ):
            continue
        if "#" in lines[node.lineno - 1]:
            continue
        i = node.lineno - 2
        while i >= 0 and _CONSTANT.match(lines[i]) and "=" in lines[i]:
            i -= 1  # a group of constants shares the comment above it
        if i < 0 or not lines[i].lstrip().startswith("#"):
            out.append(names[0])
    return out


def test_the_checks_catch_a_weight():
    assert unnamed_numbers("def f(x):\n    return x * 0.65 + 2 * x\n") == [(2, 0.65)]
    assert unnamed_numbers("_SHARE = 0.65  # why\n\ndef f(x, t):\n    return x * _SHARE + t[3]\n") == []
    assert unexplained_constants("_A = 0.3\n") == ["_A"]
    assert unexplained_constants("# why both\n_A = 0.3\n_B = 0.7\n") == []
    assert unexplained_constants("_A = 0.3  # why\n") == []


def test_the_answer_builder_names_every_weight():
    for path in sorted(PACKAGE.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert unnamed_numbers(source) == [], path.name
        assert unexplained_constants(source) == [], path.name
