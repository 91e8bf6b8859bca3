import pytest
from django.urls import reverse

from actions.enums import StatutAction
from tests.actions.factories import ActionFactory
from tests.axes.factories import AxeFactory, ObjectifFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory
from tests.factories_utilisateurs import AgentFactory

URL = reverse("axes:plan")


@pytest.fixture
def campagne(projet, objectif, action):
    """The 2025 review: the shared fiche 2.3.1 evaluated at 80 %; 2.3.2, late, not evaluated."""
    campagne = CampagneFactory(projet=projet, annee=2025)
    ActionFactory(objectif=objectif, numero=2, intitule="Café des aidants", en_retard=True)
    EvaluationFactory(campagne=campagne, action=action, taux_realisation=80)
    return campagne


def test_tree_shows_axes_objectives_and_actions(client, elu, campagne):
    client.force_login(elu)
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Axe 2 : Lien social" in content
    assert "2.3 Rompre l’isolement" in content
    assert "2.3.1" in content and "Visites de convivialité" in content
    assert "Paule Pilote" in content
    assert "80 %" in content  # 2.3.1
    assert "40 %" in content  # objective and axe: (80 + 0) / 2
    assert "En retard" in content
    assert "#7a3e9d" in content
    # Élus read only: no edit buttons.
    assert "Modifier l'axe" not in content
    assert "Ajouter une action" not in content


def test_agent_sees_edit_buttons(client, agent, campagne):
    client.force_login(agent)
    content = client.get(URL).content.decode()
    assert "Modifier l'axe" in content
    assert "Ajouter une action" in content


def test_abandoned_action_is_out_of_progress(client, agent, objectif, campagne):
    ActionFactory(objectif=objectif, numero=3, statut=StatutAction.ABANDONNEE)
    client.force_login(agent)
    content = client.get(URL).content.decode()
    assert "hors avancement" in content
    assert "40 %" in content


def test_anonymous_is_sent_to_login(client, campagne):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_query_count_does_not_grow(client, agent, projet, campagne, django_assert_num_queries):
    client.force_login(agent)
    # 1 session, 2 user, 3-4 user and group permissions (view check, edit buttons), 5 the
    # plan's generation, 6 projet, 7 latest campagne, 8 the tree kept? Not yet: 9 axes, 10
    # their objectifs, 11 their actions with pilote and avancement, 12 avancement per
    # objectif (axes and projet combine it), 13-17 kept (count, savepoint, lookup, insert,
    # release).
    with django_assert_num_queries(17):
        response = client.get(URL)
    assert _nombre_d_actions(response) == 2
    # Nothing written since: the tree kept, and what the process keeps (projet, review,
    # permissions): 1 session, 2 user, 3 the plan's generation, 4 the tree.
    with django_assert_num_queries(4):
        encore = client.get(URL)
    assert _arbre(encore) == _arbre(response)
    for numero in range(3, 6):
        axe = AxeFactory(projet=projet, numero=numero)
        for n in range(1, 4):
            objectif = ObjectifFactory(axe=axe, numero=n)
            for m in range(1, 4):
                action = ActionFactory(objectif=objectif, numero=m, pilote=AgentFactory())
                EvaluationFactory(campagne=campagne, action=action)
    with django_assert_num_queries(17):
        response = client.get(URL)
    assert _nombre_d_actions(response) == 2 + 27


def _arbre(response) -> str:
    html = response.content.decode()
    return html[html.index('<p class="lead">') :]


def _nombre_d_actions(response) -> int:
    return sum(
        len(objectif.actions.all())
        for axe in response.context["axes"]
        for objectif in axe.objectifs.all()
    )
