"""The house rules that keep areas apart: the import graph between areas has no cycle, budgets (money) never
imports bookings, and an import inside a function says why it cannot sit at the top of its module."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("portal", "providers", "budgets", "bookings", "local_offer", "statements", "audit", "privacy", "open_referral",
         "calendars", "demo", "feedback", "insight", "transitions")
# The composition root: the app factory and the command-line wiring import every area to plug it in.
COMPOSITION_ROOT = {"portal/__init__.py", "portal/cli.py"}


def _modules():
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*.py")):
            yield area, path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), filename=str(path))


def _imported_areas(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        names = [node.module]
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        return []
    return [name.split(".")[0] for name in names if name.split(".")[0] in AREAS]


def area_graph() -> dict[str, dict[str, list[str]]]:
    """area -> imported area -> where (file:line)."""
    graph: dict[str, dict[str, list[str]]] = {area: {} for area in AREAS}
    for area, name, tree in _modules():
        if name in COMPOSITION_ROOT:
            continue
        for node in ast.walk(tree):
            for target in _imported_areas(node):
                if target != area:
                    graph[area].setdefault(target, []).append(f"{name}:{node.lineno}")
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(area: str) -> list[str] | None:
        state[area] = "visiting"
        path.append(area)
        for target in sorted(graph.get(area, {})):
            if state.get(target) == "visiting":
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[area] = "done"
        return None

    for area in sorted(graph):
        if area not in state and (cycle := visit(area)):
            return cycle
    return None


def test_the_areas_import_each_other_without_a_cycle():
    graph = area_graph()
    cycle = find_cycle(graph)
    if cycle:
        where = [f"{a} -> {b}: {', '.join(graph[a][b][:3])}" for a, b in zip(cycle, cycle[1:])]
        raise AssertionError("The areas import each other in a circle:\n" + "\n".join(where))


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = area_graph()
    graph["portal"]["bookings"] = ["planted.py:1"]
    assert find_cycle(graph) is not None


def test_money_never_imports_the_booking_area():
    assert "bookings" not in area_graph()["budgets"], area_graph()["budgets"]["bookings"]


def _explained(lines: list[str], index: int) -> bool:
    """A comment on the import's line, or above the block of imports it belongs to."""
    if "#" in lines[index]:
        return True
    while index > 0:
        index -= 1
        above = lines[index].strip()
        if above.startswith("#"):
            return True
        if not above.startswith(("from ", "import ")) and above:
            return False
    return False


def test_an_import_inside_a_function_says_why():
    unexplained = []
    for _area, name, tree in _modules():
        lines = (ROOT / name).read_text().splitlines()
        seen = set()
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and node.lineno not in seen \
                        and not _explained(lines, node.lineno - 1):
                    seen.add(node.lineno)
                    unexplained.append(f"{name}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not unexplained, "Imports inside functions with no comment saying why:\n" + "\n".join(unexplained)


def _commits(tree: ast.AST) -> list[int]:
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"]


# Who may end a unit of work: views (a request), command-line tasks, background jobs (a module with a
# @jobs.task, and portal/jobs.py's scheduled runs), the demo builder, and the shell's helpers that commit for them.
# Services never commit, so any of those can call them.
def _may_commit(name: str, source: str) -> bool:
    return ("Blueprint(" in source or name.endswith(("/commands.py", "/cli.py")) or name.startswith("demo/")
            or "@jobs.task(" in source
            # i18n: the request hook that saves a chosen language; audit: the decorator that keeps a page's views
            or name in {"portal/outbox.py", "portal/attempts.py", "portal/i18n.py", "portal/audit.py",
                        "portal/jobs.py"})


def test_services_never_commit():
    offenders = []
    for _area, name, tree in _modules():
        source = (ROOT / name).read_text()
        if not _may_commit(name, source):
            offenders += [f"{name}:{line}" for line in _commits(tree)]
    assert not offenders, "Services that commit (leave that to the view or command that calls them):\n" + \
        "\n".join(offenders)


def test_every_area_is_a_package_the_install_ships():
    """An area left out of pyproject.toml's package list imports in the repository (the tests' working directory) but
    not from an install run anywhere else (a worker, gunicorn started from another directory)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(area for area in AREAS if f"{area}*" not in shipped) == []
