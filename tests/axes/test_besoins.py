"""The needs found by the ABS: the list shows which needs the plan answers and which it does
not, a need's page lists the fiches answering it, agents create and edit needs."""

import pytest
from django.urls import reverse

from axes.models import BesoinSocial
from tests.actions.factories import ActionFactory
from tests.axes.factories import BesoinSocialFactory, ProjetSocialFactory
from tests.formulaires import donnees_du_formulaire

LISTE = reverse("axes:besoins")


@pytest.fixture
def besoins(projet, objectif, action):
    """Isolement answered by 2.3.1 and 2.3.2; Mobilité answered by none."""
    isolement = BesoinSocialFactory(
        projet=projet, thematique="Isolement des aînés", chiffre_cle="1 sur 4 vit seul"
    )
    mobilite = BesoinSocialFactory(projet=projet, thematique="Mobilité", constat="Peu de bus")
    action.besoins.add(isolement)
    ActionFactory(objectif=objectif, numero=2, intitule="Café des aidants").besoins.add(isolement)
    BesoinSocialFactory(projet=ProjetSocialFactory(statut="clos"), thematique="Autre projet")
    return isolement, mobilite


def test_the_list_shows_which_needs_the_plan_answers(client, elu, besoins):
    isolement, mobilite = besoins
    client.force_login(elu)
    page = client.get(LISTE)
    assert page.status_code == 200
    contenu = page.content.decode()
    assert "2 besoins relevés" in contenu and "1 sans action qui y réponde" in contenu
    assert f'href="{reverse("actions:liste")}?besoin={isolement.pk}">2 actions' in contenu
    assert [b.thematique for b in page.context["sans_action"]] == ["Mobilité"]
    assert "Autre projet" not in contenu
    assert "Ajouter un besoin" not in contenu  # élus read only


def test_a_need_lists_the_fiches_answering_it(client, elu, besoins):
    isolement, mobilite = besoins
    client.force_login(elu)
    contenu = client.get(reverse("axes:besoin", args=[isolement.pk])).content.decode()
    assert "Actions qui y répondent (2)" in contenu
    assert contenu.index("2.3.1") < contenu.index("2.3.2")
    assert "Visites de convivialité" in contenu and "Café des aidants" in contenu
    vide = client.get(reverse("axes:besoin", args=[mobilite.pk])).content.decode()
    assert "Aucune action ne répond encore à ce besoin" in vide


def test_the_list_of_actions_filters_by_need(client, agent, besoins):
    isolement, _ = besoins
    client.force_login(agent)
    page = client.get(reverse("actions:liste"), {"besoin": isolement.pk})
    assert sorted(action.code for action in page.context["page"]) == ["2.3.1", "2.3.2"]
    assert page.context["filtre"].actifs == [f"Besoin (ABS) : {isolement.thematique}"]


def test_agent_creates_then_edits_a_need(client, agent, projet):
    client.force_login(agent)
    page = client.get(reverse("axes:besoin_creer"))
    donnees = donnees_du_formulaire(page)
    donnees.update(thematique="Logement", constat="Des demandes en attente", source="ABS 2021")
    reponse = client.post(reverse("axes:besoin_creer"), donnees)
    besoin = BesoinSocial.objects.get(thematique="Logement")
    assert besoin.projet == projet
    assert reponse["Location"] == reverse("axes:besoin", args=[besoin.pk])

    url = reverse("axes:besoin_modifier", args=[besoin.pk])
    donnees = donnees_du_formulaire(client.get(url))
    donnees["chiffre_cle"] = "120 demandes"
    client.post(url, donnees)
    besoin.refresh_from_db()
    assert (besoin.chiffre_cle, besoin.source) == ("120 demandes", "ABS 2021")


def test_a_need_without_its_constat_is_refused_and_the_input_kept(client, agent, projet):
    client.force_login(agent)
    reponse = client.post(
        reverse("axes:besoin_creer"), {"thematique": "Santé", "constat": "", "source": "X"}
    )
    assert reponse.status_code == 200
    assert reponse.context["form"].errors == {"constat": ["Ce champ est obligatoire."]}
    assert 'value="Santé"' in reponse.content.decode()
    assert not BesoinSocial.objects.exists()


def test_another_projets_need_answers_404(client, agent, projet):
    autre = BesoinSocialFactory(projet=ProjetSocialFactory(statut="clos"))
    client.force_login(agent)
    assert client.get(reverse("axes:besoin", args=[autre.pk])).status_code == 404
    assert client.get(reverse("axes:besoin_modifier", args=[autre.pk])).status_code == 404


def test_query_counts_do_not_grow(
    client, elu, projet, objectif, besoins, django_assert_num_queries
):
    isolement, _ = besoins
    client.force_login(elu)
    # List: 1 session, 2 user, 3 the plan's generation, 4-5 user and group permissions
    # (view check, then the add button), 6 projet, 7 needs with their count of fiches.
    with django_assert_num_queries(7):
        client.get(LISTE)
    # A need: 1 session, 2 user, 3 the plan's generation, 4 the need, 5 its fiches, 6 their
    # objectives, 7 their axes (the permissions and the projet kept by the process since
    # the list).
    with django_assert_num_queries(7):
        client.get(reverse("axes:besoin", args=[isolement.pk]))
    for numero in range(3, 30):
        ActionFactory(objectif=objectif, numero=numero).besoins.add(isolement)
        BesoinSocialFactory(projet=projet)
    with django_assert_num_queries(7):
        client.get(LISTE)
    with django_assert_num_queries(7):
        page = client.get(reverse("axes:besoin", args=[isolement.pk]))
    assert "Actions qui y répondent (29)" in page.content.decode()
