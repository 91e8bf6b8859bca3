"""On PostgreSQL, a query a server process repeats is prepared on its connection
(settings.py, PREPARER_APRES): the database plans it once, not at each page."""

import pytest
from django.db import connection

from actions.models import Action
from evaluations.models import avancement_des_actions
from tests.evaluations.factories import CampagneFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL seulement")
def test_the_fiche_s_query_is_planned_once_then_reused(action, projet):
    campagne = CampagneFactory(projet=projet, annee=2025)

    def preparees() -> int:
        with connection.cursor() as curseur:
            curseur.execute("SELECT count(*) FROM pg_prepared_statements")
            return curseur.fetchone()[0]

    avant = preparees()
    for _ in range(6):  # the fiche's query, as its page reads it
        fiche = avancement_des_actions(Action.objects.pour_fiche(), campagne).get(pk=action.pk)
    assert fiche.pk == action.pk
    assert preparees() > avant
