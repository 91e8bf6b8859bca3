"""An indicator's attainment follows its direction (DOMAIN.md): réalisé / cible, or
cible / réalisé where lower is better (a waiting time, a number of unpaid rents)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from actions.enums import SensIndicateur
from actions.models import Indicateur
from tests.actions.factories import IndicateurFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, MesureFactory
from tests.formulaires import donnees_du_formulaire


@pytest.mark.parametrize(
    ("sens", "valeur", "attendu"),
    [
        (SensIndicateur.HAUSSE, "15", Decimal("150")),
        (SensIndicateur.HAUSSE, "5", Decimal("50")),
        (SensIndicateur.BAISSE, "20", Decimal("50")),  # 20 days for a target of 10
        (SensIndicateur.BAISSE, "5", Decimal("200")),
        (SensIndicateur.BAISSE, "0", None),  # nothing to divide by
        (SensIndicateur.HAUSSE, None, None),
    ],
)
def test_attainment_follows_the_direction(sens, valeur, attendu):
    indicateur = Indicateur(valeur_cible=Decimal("10"), sens=sens)
    assert indicateur.atteinte(None if valeur is None else Decimal(valeur)) == attendu


def test_without_a_positive_target_there_is_no_attainment():
    assert Indicateur(valeur_cible=None).atteinte(Decimal("3")) is None
    assert Indicateur(valeur_cible=Decimal("0")).atteinte(Decimal("3")) is None


def test_the_fiche_shows_a_lower_is_better_indicator(client, agent, projet, action):
    indicateur = IndicateurFactory(
        action=action, libelle="Délai de réponse", valeur_cible=10, sens=SensIndicateur.BAISSE
    )
    evaluation = EvaluationFactory(campagne=CampagneFactory(projet=projet), action=action)
    MesureFactory(evaluation=evaluation, indicateur=indicateur, valeur_realisee=Decimal("20"))
    client.force_login(agent)
    page = client.get(reverse("actions:detail", args=[action.pk]))
    (ligne,) = page.context["indicateurs"]
    assert ligne.atteinte_derniere == 50
    assert "plus bas = mieux" in page.content.decode()


def test_the_direction_is_set_on_the_fiche_form(client, agent, action):
    IndicateurFactory(action=action, libelle="Délai de réponse", valeur_cible=10)
    url = reverse("actions:modifier", args=[action.pk])
    client.force_login(agent)
    donnees = donnees_du_formulaire(client.get(url))
    assert donnees["indicateurs-0-sens"] == SensIndicateur.HAUSSE
    donnees["indicateurs-0-sens"] = SensIndicateur.BAISSE
    assert client.post(url, donnees).status_code == 302
    assert action.indicateurs.get().sens == SensIndicateur.BAISSE
