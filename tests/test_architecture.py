"""The apps depend downward only (issue #10): the app graph, imports inside functions included,
has no cycle and follows the layers of pyproject.toml's import-linter contract; an import of
another app inside a function says why in a comment."""

import ast
import tomllib

from pronexis import app_graph


def _layers() -> list[set[str]]:
    config = tomllib.loads((app_graph.ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    return [{name.strip() for name in layer.split("|")} for layer in layers]


def test_the_app_graph_has_no_cycle():
    assert app_graph.cycles(app_graph.graph(app_graph.app_imports())) == []


def test_every_app_import_goes_down_the_layers():
    layers = _layers()
    rank = {app: index for index, layer in enumerate(layers) for app in layer}
    assert set(rank) == set(app_graph.APPS)
    upward = [
        f"{item.path}:{item.line} {item.source_app} -> {item.target_app}"
        for item in app_graph.app_imports()
        if rank[item.target_app] <= rank[item.source_app]  # layers run from the top (0) down
    ]
    assert upward == []


def test_function_level_imports_of_another_app_say_why():
    silent = [
        f"{item.path}:{item.line}"
        for item in app_graph.app_imports()
        if item.in_function and not item.commented
    ]
    assert silent == []


def test_the_graph_finds_a_cycle_and_a_silent_import(tmp_path):
    """Self-test: a planted cycle and an uncommented function-level import are caught."""
    for app, body in {
        "accounts": "def f():\n    from leads import models\n",
        "leads": "from accounts import models\n",
    }.items():
        (tmp_path / app).mkdir()
        (tmp_path / app / "mod.py").write_text(body)
    imports = app_graph.app_imports(tmp_path)
    assert app_graph.cycles(app_graph.graph(imports)) == [["accounts", "leads"]]
    assert [(item.path, item.in_function, item.commented) for item in imports if item.in_function] == [
        ("accounts/mod.py", True, False)
    ]


# --- sizes (issue #10 "God modules"): no module over 450 lines, no view over ~45 ---------------
MAX_MODULE_LINES = 450
MAX_VIEW_LINES = 45
SIZED_PACKAGES = (*app_graph.APPS, "pronexis")


def _modules(root=app_graph.ROOT):
    for package in SIZED_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if not app_graph.SKIPPED_PARTS.intersection(path.relative_to(root).parts):
                yield path


def _is_view_module(path) -> bool:
    """views.py / api.py, or a module of a views/ or api/ package."""
    return path.stem in ("views", "api") or path.parent.name in ("views", "api") or path.name.endswith("_views.py")


def _long_modules(root=app_graph.ROOT) -> list[str]:
    sizes = ((path, len(path.read_text().splitlines())) for path in _modules(root))
    return [f"{path.relative_to(root)}: {lines}" for path, lines in sizes if lines > MAX_MODULE_LINES]


def _long_views(root=app_graph.ROOT) -> list[str]:
    long = []
    for path in filter(_is_view_module, _modules(root)):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # from `def` to its last line
                if lines > MAX_VIEW_LINES:
                    long.append(f"{path.relative_to(root)}:{node.lineno} {node.name}: {lines}")
    return long


def test_no_module_over_450_lines():
    assert _long_modules() == []


def test_no_view_function_over_45_lines():
    assert _long_views() == []


def test_the_size_checks_catch_a_long_module_and_a_long_view(tmp_path):
    """Self-test: a planted 451-line module and a 46-line view are reported."""
    (tmp_path / "leads").mkdir()
    (tmp_path / "leads" / "models.py").write_text("x = 1\n" * 451)
    (tmp_path / "leads" / "views.py").write_text("def page(request):\n" + "    x = 1\n" * 45)
    (tmp_path / "leads" / "short.py").write_text("def page(request):\n" + "    x = 1\n" * 45)
    assert _long_modules(tmp_path) == ["leads/models.py: 451"]
    assert _long_views(tmp_path) == ["leads/views.py:1 page: 46"]


# --- the web layer's idioms, written once (issue #10 "Twins") ---------------------------------
# Each idiom has one home; another module spelling it again is a twin. Left, with why:
IDIOM_EXCEPTIONS = {
    # The compliance helper's consent ledger (in progress this round): fold into lock() next.
    "notifications/consent.py": {"select_for_update("},
}
IDIOMS = {
    "select_for_update(": "pronexis/locks.py",  # lock(queryset): FOR UPDATE OF self, pk order
    "HTTP_HX_REQUEST": "pronexis/htmx.py",  # `if request.htmx` decides partial or page
    "htmx.boosted": "pronexis/htmx.py",
    "url_has_allowed_host_and_scheme": "pronexis/web.py",  # safe_next
    "def _encode_cursor": "pronexis/web.py",  # encode_cursor / decode_cursor, one codec
    "def _csv_safe": "pronexis/csv_export.py",  # csv_safe
    "def _error_text": "pronexis/web.py",  # error_text
}


def _idiom_twins(root=app_graph.ROOT) -> list[str]:
    twins = []
    for path in _modules(root):
        name = str(path.relative_to(root))
        text = path.read_text()
        for idiom, home in IDIOMS.items():
            if idiom in text and name != home and idiom not in IDIOM_EXCEPTIONS.get(name, ()):
                twins.append(f"{name}: {idiom} (use {home})")
    return twins


def test_each_web_idiom_is_written_once():
    assert _idiom_twins() == []


def test_the_idiom_check_catches_a_twin(tmp_path):
    """Self-test: a bare select_for_update in an app module is reported."""
    (tmp_path / "leads").mkdir()
    (tmp_path / "leads" / "services.py").write_text("Lead.objects.select_for_update().get(pk=1)\n")
    assert _idiom_twins(tmp_path) == ["leads/services.py: select_for_update( (use pronexis/locks.py)"]
