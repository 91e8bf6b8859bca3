"""The apps depend one way: axes <- actions <- evaluations (STYLE.md). Every import of every
module of the apps, function-level ones and migrations included, is read from the source."""

import ast
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parent.parent
COUCHES = {"axes": 0, "actions": 1, "evaluations": 2}
# What gathers the apps: none of them may import it (it imports them).
TOIT = (
    "projet_social.views",
    "projet_social.urls",
    "projet_social.demo",
    "projet_social.management",
)


def _imports(fichier: Path) -> list[tuple[int, str]]:
    arbre = ast.parse(fichier.read_text(), filename=str(fichier))
    noms = []
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            noms += [(noeud.lineno, alias.name) for alias in noeud.names]
        elif isinstance(noeud, ast.ImportFrom) and noeud.module and not noeud.level:
            noms.append((noeud.lineno, noeud.module))
    return noms


def _violations() -> list[str]:
    violations = []
    for app, rang in COUCHES.items():
        for fichier in sorted((RACINE / app).rglob("*.py")):
            for ligne, nom in _imports(fichier):
                racine = nom.split(".")[0]
                if COUCHES.get(racine, -1) > rang:
                    violations.append(f"{fichier.relative_to(RACINE)}:{ligne} imports {nom}")
                if nom.startswith(TOIT):
                    violations.append(f"{fichier.relative_to(RACINE)}:{ligne} imports {nom}")
    return violations


def test_no_app_imports_a_higher_one():
    assert _violations() == []


def test_the_check_sees_a_forbidden_import(tmp_path, monkeypatch):
    """The test above can fail: a lower app importing a higher one is reported."""
    (tmp_path / "axes").mkdir()
    (tmp_path / "axes" / "x.py").write_text(
        "def f():\n    from evaluations.models import Campagne\n"
    )
    monkeypatch.setattr(f"{__name__}.RACINE", tmp_path)
    assert _violations() == ["axes/x.py:2 imports evaluations.models"]


@pytest.mark.parametrize("app", list(COUCHES))
def test_migrations_depend_one_way(app):
    from django.db.migrations.loader import MigrationLoader

    graphe = MigrationLoader(None, ignore_no_migrations=True).graph
    for (label, nom), migration in graphe.nodes.items():
        if label != app:
            continue
        for dependance, _ in migration.dependencies:
            assert COUCHES.get(dependance, -1) <= COUCHES[app], (label, nom, dependance)
