"""The app-level import graph, function-level imports included (issue #10 "Layers you can lint").

import-linter (`lint-imports`, contracts in pyproject.toml) sees every import, but it cannot say
which ones hide inside a function, nor whether such an import carries the comment that says why.
This reads the apps' sources with `ast` (nothing is imported) and reports:

- the app graph: which app imports which, with how many imports (module level / in functions);
- every function-level import of another app, with whether a `# why:` style comment is next to it;
- the cycles of the graph (none allowed).

Run: `python -m pronexis.app_graph` (add `--list` for every function-level import).
`tests/test_architecture.py` fails on a cycle and on an uncommented function-level import.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "notifications",
    "leads",
    "calendars",
    "conflicts",
    "messaging",
    "agents",
    "portal",
    "audit",
)
SKIPPED_PARTS = {"migrations", "tests", "__pycache__"}


@dataclass(frozen=True)
class AppImport:
    source_app: str
    target_app: str
    path: str  # relative to the repository
    line: int
    in_function: bool
    commented: bool  # a comment on the import's line or above its run of imports


def _target_app(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        names = [node.module]
    else:  # relative imports stay inside their app
        return []
    return [name.split(".")[0] for name in names if name.split(".")[0] in APPS]


def _imports(tree: ast.AST):
    """(node, in_function) for every import; `if TYPE_CHECKING:` blocks are not imports at run time."""

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from walk(child, nested)

    yield from walk(tree, False)


def _commented(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the run of import lines it belongs to."""
    if "#" in lines[lineno - 1]:
        return True
    for line in reversed(lines[: lineno - 1]):
        text = line.strip()
        if text.startswith("#"):
            return True
        if not (text.startswith(("from ", "import ", ")")) or text.endswith(",")):
            return False
    return False


def app_imports(root: Path = ROOT) -> list[AppImport]:
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if SKIPPED_PARTS & set(path.relative_to(root).parts):
                continue
            source = path.read_text()
            lines = source.splitlines()
            for node, in_function in _imports(ast.parse(source)):
                for target in _target_app(node):
                    if target == app:
                        continue
                    commented = _commented(lines, node.lineno)
                    found.append(
                        AppImport(app, target, str(path.relative_to(root)), node.lineno, in_function, commented)
                    )
    return found


def graph(imports: list[AppImport]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for item in imports:
        edges[item.source_app].add(item.target_app)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's smallest rotation, found by depth-first search (nine apps)."""
    found = set()

    def visit(start, node, trail):
        for target in sorted(edges.get(node, ())):
            if target == start:
                smallest = min(range(len(trail)), key=lambda i: trail[i])
                found.add(tuple(trail[smallest:] + trail[:smallest]))
            elif target not in trail and target > start:
                visit(start, target, trail + [target])

    for app in sorted(edges):
        visit(app, app, [app])
    return [list(cycle) for cycle in sorted(found)]


def report(imports: list[AppImport], *, listing: bool = False) -> str:
    counts = Counter((item.source_app, item.target_app, item.in_function) for item in imports)
    edges = graph(imports)
    out = ["app graph (source -> target: module-level / function-level imports)"]
    for source in APPS:
        for target in APPS:
            top, inner = counts[(source, target, False)], counts[(source, target, True)]
            if top or inner:
                out.append(f"  {source:13} -> {target:13} {top:3} / {inner}")
    in_function = [item for item in imports if item.in_function]
    uncommented = [item for item in in_function if not item.commented]
    out.append(f"cross-app imports: {len(imports)}; in functions: {len(in_function)}")
    out.append(f"function-level cross-app imports without a comment: {len(uncommented)}")
    found = cycles(edges)
    out.append("cycles: " + ("; ".join(" -> ".join(cycle + cycle[:1]) for cycle in found) if found else "none"))
    if listing:
        for item in in_function:
            mark = "" if item.commented else "  (no comment)"
            out.append(f"  {item.path}:{item.line} {item.source_app} -> {item.target_app}{mark}")
    return "\n".join(out)


if __name__ == "__main__":
    print(report(app_imports(), listing="--list" in sys.argv))
