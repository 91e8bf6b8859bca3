"""The migrations that start recording the many-to-many fields in the history (a fiche's
publics and besoins, a meeting's axes and partners): the records written before them get the
current items, so that the first save after them does not show every item as just added."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from evaluations.models import ActionDecidee
from tests.actions.factories import ActionFactory
from tests.evaluations.factories import CampagneFactory

AVANT = [("axes", "0001_initial"), ("actions", "0001_initial"), ("evaluations", "0001_initial")]
APRES = [
    ("axes", "0001_initial"),
    ("actions", "0003_historique_publics_besoins"),
    ("evaluations", "0002_historique_axes_partenaires"),
]


def _migrer(cibles):
    executor = MigrationExecutor(connection)
    executor.migrate(cibles)
    return executor.loader.project_state(cibles).apps


@pytest.mark.django_db(transaction=True)
def test_records_written_before_get_the_current_items():
    try:
        apps = _migrer(AVANT)
        moment = timezone.now() - datetime.timedelta(days=30)
        projet = apps.get_model("axes", "ProjetSocial").objects.create(
            intitule="Projet", structure="CCAS", annee_debut=2023, annee_fin=2026
        )
        axe = apps.get_model("axes", "Axe").objects.create(projet=projet, numero=1, intitule="A")
        objectif = apps.get_model("axes", "Objectif").objects.create(
            axe=axe, numero=1, intitule="O"
        )
        agees = apps.get_model("actions", "PublicCible").objects.create(libelle="Âgées")
        besoin = apps.get_model("axes", "BesoinSocial").objects.create(
            projet=projet, thematique="Isolement", constat="…"
        )
        Action = apps.get_model("actions", "Action")
        action = Action.objects.create(objectif=objectif, numero=1, intitule="Visites")
        sans_publics = Action.objects.create(objectif=objectif, numero=2, intitule="Autre")
        action.publics.add(agees)
        action.besoins.add(besoin)
        HistoricalAction = apps.get_model("actions", "HistoricalAction")
        for fiche in (action, action, sans_publics):
            HistoricalAction.objects.create(
                id=fiche.pk,
                objectif_id=objectif.pk,
                numero=fiche.numero,
                intitule=fiche.intitule,
                created_at=moment,
                updated_at=moment,
                history_date=moment,
                history_type="~",
            )
        partenaire = apps.get_model("actions", "Partenaire").objects.create(nom="CDAS")
        reunion = apps.get_model("evaluations", "Reunion").objects.create(
            projet=projet, type="concertation", date=datetime.date(2023, 1, 26), intitule="R"
        )
        reunion.axes.add(axe)
        reunion.partenaires.add(partenaire)
        apps.get_model("evaluations", "HistoricalReunion").objects.create(
            id=reunion.pk,
            projet_id=projet.pk,
            type="concertation",
            date=reunion.date,
            intitule="R",
            history_date=moment,
            history_type="+",
        )

        apps = _migrer(APRES)

        HistoricalAction = apps.get_model("actions", "HistoricalAction")
        publics = apps.get_model("actions", "HistoricalAction_publics").objects
        besoins = apps.get_model("actions", "HistoricalAction_besoins").objects
        for enregistrement in HistoricalAction.objects.filter(id=action.pk):
            filtre = {"history_id": enregistrement.history_id}
            assert list(publics.filter(**filtre).values_list("publiccible_id", flat=True)) == [
                agees.pk
            ]
            assert list(besoins.filter(**filtre).values_list("besoinsocial_id", flat=True)) == [
                besoin.pk
            ]
        assert publics.count() == 2 and besoins.count() == 2
        historique = apps.get_model("evaluations", "HistoricalReunion").objects.get()
        filtre = {"history_id": historique.history_id, "reunion_id": reunion.pk}
        axes = apps.get_model("evaluations", "HistoricalReunion_axes").objects
        partenaires = apps.get_model("evaluations", "HistoricalReunion_partenaires").objects
        assert list(axes.filter(**filtre).values_list("axe_id", flat=True)) == [axe.pk]
        assert list(partenaires.filter(**filtre).values_list("partenaire_id", flat=True)) == [
            partenaire.pk
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_database_made_before_keeps_the_actions_its_reviews_decided(projet, objectif):
    """Databases made before the apps depended one way have ``campagne_origine_id`` on the
    fiche (and its history): the snapshot migration copies it to ActionDecidee, then drops
    the column, on SQLite (table rebuilt) as on PostgreSQL."""
    decidee, autre = ActionFactory(objectif=objectif), ActionFactory(objectif=objectif)
    campagne = CampagneFactory(projet=projet, annee=2025)
    tables = ("actions_action", "actions_historicalaction")
    with connection.schema_editor() as editor:
        for table in tables:
            editor.execute(f"ALTER TABLE {table} ADD COLUMN campagne_origine_id bigint NULL")
    with connection.cursor() as curseur:
        curseur.execute(
            "UPDATE actions_action SET campagne_origine_id = %s WHERE id = %s",
            [campagne.pk, decidee.pk],
        )
    migration = importlib.import_module("evaluations.migrations.0003_instantane_des_bilans_clos")
    with connection.schema_editor() as editor:
        migration.reprendre_campagne_origine(django_apps, editor)

    assert list(ActionDecidee.objects.values_list("action_id", "campagne_id")) == [
        (decidee.pk, campagne.pk)
    ]
    with connection.cursor() as curseur:
        for table in tables:
            colonnes = connection.introspection.get_table_description(curseur, table)
            assert "campagne_origine_id" not in [colonne.name for colonne in colonnes]
    # The rebuilt tables keep their rows and their links.
    assert {a.pk for a in objectif.actions.all()} == {decidee.pk, autre.pk}
