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
    "projet_social.classeur",
    "projet_social.imports",
    "projet_social.models",
    "projet_social.connexion",
    "projet_social.admin_toit",
    "projet_social.prechauffage",  # it prepares the views' pages
    "projet_social.wsgi",  # the server's entry point
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


def _graphe_des_modules() -> dict[str, set[str]]:
    """{module: modules of the project it imports}, migrations left out."""
    modules = {}
    for paquet in (*COUCHES, "projet_social"):
        for fichier in (RACINE / paquet).rglob("*.py"):
            if "migrations" in fichier.parts:
                continue
            nom = ".".join(fichier.relative_to(RACINE).with_suffix("").parts)
            modules[nom.removesuffix(".__init__")] = fichier
    graphe = {}
    for nom, fichier in modules.items():
        cibles = set()
        for _, importe in _imports(fichier):
            # "from a.b import c" may name the module a.b.c or a name of a.b.
            while importe and importe not in modules:
                importe = importe.rpartition(".")[0]
            if importe and importe != nom:
                cibles.add(importe)
        graphe[nom] = cibles
    return graphe


def test_no_import_cycle_between_modules():
    graphe = _graphe_des_modules()
    etat: dict[str, int] = {}
    cycles = []

    def visiter(module: str, chemin: list[str]) -> None:
        etat[module] = 1
        for suivant in sorted(graphe[module]):
            if etat.get(suivant) == 1:
                cycles.append(" -> ".join([*chemin[chemin.index(suivant) :], suivant]))
            elif suivant not in etat:
                visiter(suivant, [*chemin, suivant])
        etat[module] = 2

    for module in sorted(graphe):
        if module not in etat:
            visiter(module, [module])
    assert cycles == []


def test_the_floor_never_imports_the_roof():
    """projet_social's shared modules (imported by the apps) import no module of the roof."""
    graphe = _graphe_des_modules()
    plancher = [m for m in graphe if m.startswith("projet_social") and not m.startswith(TOIT)]
    for module in plancher:
        assert not [c for c in graphe[module] if c.startswith(TOIT)], module


@pytest.mark.parametrize("app", list(COUCHES))
def test_migrations_depend_one_way(app):
    from django.db.migrations.loader import MigrationLoader

    graphe = MigrationLoader(None, ignore_no_migrations=True).graph
    for (label, nom), migration in graphe.nodes.items():
        if label != app:
            continue
        for dependance, _ in migration.dependencies:
            assert COUCHES.get(dependance, -1) <= COUCHES[app], (label, nom, dependance)
