"""sauvegarder and restaurer: a backup brings the whole plan back as it was, on SQLite (the
online backup API, here on pytest's in-memory database) and on PostgreSQL (pg_dump and
pg_restore, when the suite runs with DATABASE_URL=postgres://…)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from actions.models import Action, ActionPartenaire
from axes.models import ProjetSocial
from projet_social.classeur import exporter_classeur
from tests.test_classeur import _cellules
from tests.test_demo import _charger

# The backup is taken by another connection (pg_dump) or reads committed pages: the data must
# be committed, not held in the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def _export() -> dict[str, list[tuple]]:
    return _cellules(exporter_classeur(ProjetSocial.objects.get()))


def _sauvegarder(dossier) -> tuple:
    sortie = io.StringIO()
    call_command("sauvegarder", "--dossier", str(dossier), stdout=sortie)
    [fichier] = dossier.iterdir()
    return fichier, sortie.getvalue()


def test_a_backup_restores_the_whole_plan_as_it_was(settings, tmp_path):
    _charger(settings)
    avant = _export()
    historique = Action.history.count()
    fichier, message = _sauvegarder(tmp_path)
    extension = ".dump" if connection.vendor == "postgresql" else ".sqlite3"
    assert fichier.name.startswith("projet_social-") and fichier.suffix == extension
    assert f"sauvegardée dans « {fichier} »" in message
    assert fichier.stat().st_mode & 0o777 == 0o600  # password hashes inside

    # After the backup: a fiche renamed (with its history row), a partner taken off another.
    renommee = Action.objects.order_by("pk").first()
    renommee.intitule = "Intitulé changé après la sauvegarde"
    renommee.save()
    ActionPartenaire.objects.exclude(action=renommee).order_by("pk").first().delete()
    assert _export() != avant

    sortie = io.StringIO()
    call_command("restaurer", str(fichier), "--oui", stdout=sortie)

    assert "restaurée depuis" in sortie.getvalue()
    assert _export() == avant
    assert Action.history.count() == historique
    assert Action.objects.get(pk=renommee.pk).intitule != renommee.intitule


def test_restaurer_asks_for_confirmation_and_leaves_the_base_alone_without_it(
    settings, tmp_path, monkeypatch, action
):
    fichier, _ = _sauvegarder(tmp_path)
    Action.objects.filter(pk=action.pk).update(intitule="Après la sauvegarde")
    questions = []
    monkeypatch.setattr("builtins.input", lambda question: questions.append(question) or "non")

    with pytest.raises(CommandError, match="Restauration annulée : la base n'a pas été modifiée"):
        call_command("restaurer", str(fichier), stdout=io.StringIO())

    assert questions == ["Tapez « oui » pour continuer : "]
    assert Action.objects.get(pk=action.pk).intitule == "Après la sauvegarde"


def test_restaurer_refuses_a_file_that_is_not_a_backup_of_this_kind(tmp_path, action):
    autre = tmp_path / "notes.dump"
    autre.write_bytes(b"ceci n'est pas une sauvegarde")

    with pytest.raises(CommandError, match="ne peut pas être restauré dans cette base"):
        call_command("restaurer", str(autre), "--oui")
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("restaurer", str(tmp_path / "absent.dump"), "--oui")

    assert Action.objects.filter(pk=action.pk).exists()


def test_sauvegarder_never_overwrites_a_file(tmp_path, action):
    existant = tmp_path / "sauvegarde.dump"
    existant.write_bytes(b"une sauvegarde plus ancienne")

    with pytest.raises(CommandError, match="existe déjà"):
        call_command("sauvegarder", str(existant))

    assert existant.read_bytes() == b"une sauvegarde plus ancienne"
    assert [f.name for f in tmp_path.iterdir()] == ["sauvegarde.dump"]
