"""The apps depend downward only (issue #10): the app graph, imports inside functions included,
has no cycle and follows the layers of pyproject.toml's import-linter contract; an import of
another app inside a function says why in a comment."""

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
