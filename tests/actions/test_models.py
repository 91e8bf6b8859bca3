import datetime
from decimal import Decimal

import pytest

from actions.enums import StatutAction
from actions.models import Action
from projet_social.versioning import ConflitDeVersion
from tests.actions.factories import ActionFactory, IndicateurFactory
from tests.axes.factories import AxeFactory, ObjectifFactory
from tests.evaluations.factories import MesureFactory


@pytest.mark.django_db
def test_code_is_axe_objectif_action():
    action = ActionFactory(objectif=ObjectifFactory(axe=AxeFactory(numero=2), numero=3), numero=1)
    assert action.code == "2.3.1"
    assert str(action).startswith("2.3.1 ")


@pytest.mark.django_db
def test_stale_version_is_refused_and_nothing_is_overwritten():
    action = ActionFactory(intitule="Version d'origine")
    premier = Action.objects.get(pk=action.pk)
    second = Action.objects.get(pk=action.pk)

    premier.intitule = "Version du premier agent"
    premier.save_versioned(expected_version=1)

    second.intitule = "Version du second agent"
    with pytest.raises(ConflitDeVersion) as excinfo:
        second.save_versioned(expected_version=1)

    assert excinfo.value.actuelle.intitule == "Version du premier agent"
    action.refresh_from_db()
    assert action.intitule == "Version du premier agent"
    assert action.version == 2


@pytest.mark.django_db
def test_versioned_save_is_recorded_in_history():
    action = ActionFactory(statut=StatutAction.A_LANCER)
    action.statut = StatutAction.EN_COURS
    action.save_versioned(expected_version=action.version)

    recent, ancien = action.history.all()[:2]
    delta = recent.diff_against(ancien)
    assert [change.field for change in delta.changes] == ["statut"]
    assert recent.statut == StatutAction.EN_COURS
    assert recent.version == 2


@pytest.mark.django_db
def test_est_en_retard_property_matches_queryset():
    action = ActionFactory(en_retard=True)
    assert action.est_en_retard
    assert Action.objects.en_retard().filter(pk=action.pk).exists()
    action.statut = StatutAction.REALISEE
    assert not action.est_en_retard


@pytest.mark.django_db
def test_indicator_attainment_is_value_over_target():
    mesure = MesureFactory(
        indicateur=IndicateurFactory(valeur_cible=Decimal("40")), valeur_realisee=Decimal("30")
    )
    assert mesure.atteinte == Decimal("75")
    mesure.indicateur.valeur_cible = None
    assert mesure.atteinte is None


@pytest.mark.django_db
def test_steps_late_when_not_done_past_deadline():
    from tests.actions.factories import EtapeFactory

    etape = EtapeFactory(echeance=datetime.date(2024, 1, 1), faite=False)
    assert etape.est_en_retard
    etape.faite = True
    assert not etape.est_en_retard
