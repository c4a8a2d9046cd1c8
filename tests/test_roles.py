"""Roles: one place for the trainers' names and colours, and the layout rules that keep it so."""

import doctest
import re
from pathlib import Path

from embedlab import charts, roles
from embedlab.config import DashboardSettings

ROOT = Path(__file__).resolve().parents[1]
APP_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "dashboard").glob("*.py"))]
APP_FILES += sorted((ROOT / "embedlab").rglob("*.py"))


def test_doctests_run():
    assert doctest.testmod(roles).failed == 0


def test_every_role_the_dashboard_trains_has_a_name_and_each_trainer_a_colour():
    settings = DashboardSettings(l2_compare=1e-4)
    assert [role for role, _ in settings.runs()] == [roles.NUMPY, roles.GENSIM, roles.L2_OFF, roles.L2_ON]
    assert all(role in roles.NAMES for role, _ in settings.runs())
    assert [r for r, _ in settings.runs() if not roles.is_l2_comparison(r)] == list(roles.TRAINERS)
    assert charts.TRAINER_COLOURS is roles.COLOURS
    assert {roles.name(r) for r in (*roles.TRAINERS, roles.IMPORTED)} == set(roles.COLOURS)
    # the L2 runs' names start with the NumPy trainer's, so charts give them its colour
    spec = charts.trainer_colour([roles.name(roles.L2_OFF), roles.name(roles.GENSIM)]).to_dict()
    assert spec["scale"]["range"] == [roles.COLOURS[roles.name(roles.NUMPY)], roles.COLOURS[roles.name(roles.GENSIM)]]


def _sources_with(pattern: str) -> list[str]:
    found = re.compile(pattern)
    return [str(path.relative_to(ROOT)) for path in APP_FILES if found.search(path.read_text(encoding="utf-8"))]


def test_each_fact_of_the_layout_is_in_one_place():
    """The session's keys are named in one module; a role's name and the L2 test in another."""
    assert _sources_with(r"st\.session_state") == ["dashboard/session.py"]
    assert _sources_with(r"startswith\(\"numpy_l2\"\)|startswith\(L2_ON\)") == ["embedlab/roles.py"]
    assert _sources_with(r"\"NumPy softmax\"") == ["embedlab/roles.py"]


def test_no_page_imports_a_private_name():
    private = re.compile(r"^from [\w.]+ import .*\b_[a-z]\w*|^import [\w.]*\._", re.M)
    pages = [path for path in APP_FILES if path.parent.name == "pages" or path.name == "app.py"]
    assert [str(p.relative_to(ROOT)) for p in pages if private.search(p.read_text(encoding="utf-8"))] == []


def test_no_file_of_the_app_over_400_lines_and_no_function_over_60():
    """One idea a module, one step a function (tests and benchmarks aside)."""
    import ast

    long_files, long_functions = [], []
    for path in APP_FILES:
        source = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        if source.count("\n") > 400:
            long_files.append(where)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 60:
                long_functions.append(f"{where}:{node.lineno} {node.name}")
    assert long_files == [] and long_functions == []


# What each group of embedlab/ may import at module level (ARCHITECTURE.md, "From a corpus to a page").
GROUP_IMPORTS = {
    "text": set(),
    "train": {"text"},
    "runs": {"text"},
    "experiments": {"text", "train", "runs"},
    "teaching": {"text", "train", "runs"},
    "server": {"text", "train"},
}


def test_each_group_of_embedlab_imports_only_the_groups_before_it():
    """Module-level imports only: an import inside a function (loaded when used) is allowed, as
    the Corpus page's segmenting estimate does."""
    import ast

    crossing = []
    for group, allowed in GROUP_IMPORTS.items():
        for path in sorted((ROOT / "embedlab" / group).rglob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                for name in names:
                    parts = name.split(".")
                    other = parts[1] if len(parts) > 1 and parts[0] == "embedlab" else None
                    if other in GROUP_IMPORTS and other != group and other not in allowed:
                        crossing.append(f"{path.relative_to(ROOT)} imports {name}")
    assert crossing == []
