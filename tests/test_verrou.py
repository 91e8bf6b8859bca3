"""The locks (requirements.lock, requirements-dev.lock) match pyproject.toml, and the check that
`make test` runs (scripts/verifier_verrou.py) fails when they drift apart."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "verifier_verrou.py"


def _verifier(racine: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, SCRIPT, "--racine", racine],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def copie(tmp_path) -> Path:
    for nom in ("pyproject.toml", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / nom, tmp_path / nom)
    return tmp_path


def _remplacer(fichier: Path, avant: str, apres: str) -> None:
    texte = fichier.read_text(encoding="utf-8")
    assert avant in texte
    fichier.write_text(texte.replace(avant, apres, 1), encoding="utf-8")


def test_the_locks_match_pyproject():
    resultat = _verifier(ROOT)
    assert resultat.returncode == 0, resultat.stderr


def test_a_dependency_added_to_pyproject_fails_the_check(copie):
    _remplacer(copie / "pyproject.toml", '"gunicorn>=', '"python-slugify>=8",\n    "gunicorn>=')
    resultat = _verifier(copie)
    assert resultat.returncode == 1
    assert "requirements.lock ne correspond plus" in resultat.stderr
    assert "n'épingle pas python-slugify" in resultat.stderr
    assert "make verrou" in resultat.stderr


def test_a_range_that_excludes_the_pinned_version_fails_the_check(copie):
    _remplacer(copie / "pyproject.toml", '"django>=5.2,<5.3"', '"django>=6,<7"')
    resultat = _verifier(copie)
    assert resultat.returncode == 1
    assert "hors de « django>=6,<7 »" in resultat.stderr


def test_a_pin_without_hash_or_differing_between_the_locks_fails_the_check(copie):
    texte = (copie / "requirements.lock").read_text(encoding="utf-8")
    version = next(
        ligne.split("==")[1].split()[0]
        for ligne in texte.splitlines()
        if ligne.startswith("whitenoise==")
    )
    _remplacer(copie / "requirements.lock", f"whitenoise=={version} \\\n", "whitenoise==0.0.1\n")
    resultat = _verifier(copie)
    assert resultat.returncode == 1
    assert f"whitenoise : 0.0.1 dans requirements.lock, {version} dans" in resultat.stderr
    assert "hors de « whitenoise>=" in resultat.stderr


def test_stamping_after_a_new_lock_makes_the_check_pass(copie):
    # `make verrou` ends with --ecrire: once pip-compile has pinned the new range, the stamp
    # follows pyproject.toml again (here the range still holds the pinned version).
    _remplacer(copie / "pyproject.toml", '"whitenoise>=6.8,<7"', '"whitenoise>=6.9,<7"')
    assert _verifier(copie).returncode == 1
    ecrit = subprocess.run(
        [sys.executable, SCRIPT, "--racine", copie, "--ecrire"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ecrit.returncode == 0, ecrit.stderr
    assert _verifier(copie).returncode == 0
