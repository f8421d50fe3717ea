"""Who may see what is said in each app's permissions.py, and nowhere else: selectors
filter by the scopes written there, never by a rule of their own about people."""

import ast
from pathlib import Path

import pytest

from tests.architecture.layers import LAYERS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Asking these, or joining a row to the person through memberships, is deciding who
# may see it.
RULE_NAMES = {"is_programme_manager", "coordinated_organisation_ids"}
RULE_JOINS = ("memberships__user", "memberships__role")


def rules_outside_permissions(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in RULE_NAMES:
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.keyword) and node.arg and node.arg.endswith(RULE_JOINS):
            found.append(f"{node.lineno}: {node.arg}=")
    return found


@pytest.mark.parametrize(
    "app", [layer for layer in LAYERS if (PROJECT_ROOT / layer / "selectors.py").exists()]
)
def test_selectors_filter_by_the_permission_scopes(app):
    source = (PROJECT_ROOT / app / "selectors.py").read_text()

    assert rules_outside_permissions(source) == []


def test_a_rule_of_its_own_is_found():
    source = (
        "def mine(user):\n"
        "    if is_programme_manager(user):\n"
        "        return Call.objects.all()\n"
        "    return Call.objects.filter(organisation__memberships__user=user)\n"
    )

    assert rules_outside_permissions(source) == [
        "2: is_programme_manager",
        "4: organisation__memberships__user=",
    ]
