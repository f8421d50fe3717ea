"""The project's layers, and a reader of its Python that finds every dependency on a
higher layer: an import at any depth (inside functions too), `apps.get_model` and
`get_app_config` with an app's label, and a model field naming a model by string."""

import ast
from pathlib import Path

# Lowest first: each may depend on those before it, never on those after.
LAYERS = ("core", "partners", "applications", "placements", "evaluations", "knowledge_exchange")
LAZY_MODEL_CALLS = {"get_model", "get_app_config", "ForeignKey", "OneToOneField", "ManyToManyField"}


def _targets(node: ast.AST) -> list[str]:
    """The top-level packages or app labels a node depends on."""
    if isinstance(node, ast.Import):
        return [alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module.split(".")[0]] if node.module and node.level == 0 else []
    if isinstance(node, ast.Call):
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        strings = [
            arg.value
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        if name in LAZY_MODEL_CALLS and strings:
            return [strings[0].split(".")[0]]
    return []


def upward_dependencies(root: Path, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """Every place under `root` where a layer depends on a higher one, as
    "path:line: lower -> higher". Migrations are left out: they record history."""
    rank = {name: number for number, name in enumerate(layers)}
    found = []
    for layer in layers:
        for path in sorted((root / layer).rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                for target in _targets(node):
                    if rank.get(target, -1) > rank[layer]:
                        found.append(f"{path.relative_to(root)}:{node.lineno}: {layer} -> {target}")
    return found
