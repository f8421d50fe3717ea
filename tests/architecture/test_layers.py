"""core <- partners <- applications <- placements <- evaluations <- knowledge_exchange:
a lower module never depends on a higher one, not even inside a function."""

from pathlib import Path

import pytest

from tests.architecture.layers import upward_dependencies

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_no_layer_depends_on_a_higher_one():
    assert upward_dependencies(PROJECT_ROOT) == []


def _write(root: Path, path: str, source: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(source)


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("core/mail.py", "from partners.models import User\n", "core/mail.py:1: core -> partners"),
        (
            "partners/services.py",
            "def later():\n    import evaluations.services\n",
            "partners/services.py:2: partners -> evaluations",
        ),
        (
            "applications/selectors.py",
            "from django.apps import apps\nPlacement = apps.get_model('placements', 'Placement')\n",
            "applications/selectors.py:2: applications -> placements",
        ),
        (
            "core/models.py",
            "from django.db import models\nyear = models.ForeignKey('partners.ProgrammeYear')\n",
            "core/models.py:2: core -> partners",
        ),
    ],
)
def test_an_upward_dependency_is_reported(tmp_path, path, source, expected):
    _write(tmp_path, path, source)

    assert upward_dependencies(tmp_path) == [expected]


def test_a_downward_dependency_or_a_migration_is_not_reported(tmp_path):
    _write(tmp_path, "evaluations/views.py", "from placements.models import Placement\n")
    _write(tmp_path, "core/migrations/0001_initial.py", "from partners.models import User\n")

    assert upward_dependencies(tmp_path) == []
