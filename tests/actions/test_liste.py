import datetime
import re

from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains

from actions.enums import Priorite, RolePartenaire, StatutAction
from actions.filters import parties_du_code
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    IndicateurFactory,
    PartenaireFactory,
    PublicCibleFactory,
)
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.conflits import texte_lu
from tests.evaluations.factories import CampagneFactory, EvaluationFactory
from tests.factories_utilisateurs import AgentFactory

URL = reverse("actions:liste")


def codes(response) -> list[str]:
    return [action.code for action in response.context["page"].object_list]


def test_anonymous_is_sent_to_login(client, projet):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_elu_reads_the_list_without_create_button(client, elu, objectif):
    ActionFactory(objectif=objectif, intitule="Box Marianne")
    client.force_login(elu)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Box Marianne" in response.content.decode()
    assert "Nouvelle action" not in response.content.decode()


def test_agent_sees_create_button(client, agent, objectif):
    client.force_login(agent)
    assert "Nouvelle action" in client.get(URL).content.decode()


def test_search_is_case_and_accent_insensitive(client, agent, objectif):
    ActionFactory(objectif=objectif, intitule="Box Marianne", numero=1)
    ActionFactory(objectif=objectif, intitule="Épicerie sociale", numero=2)
    ActionFactory(
        objectif=objectif, intitule="Aide aux aidants", numero=3, constat="Des aidants épuisés"
    )
    client.force_login(agent)

    assert codes(client.get(URL, {"q": "marianne"})) == ["2.3.1"]
    assert codes(client.get(URL, {"q": "EPICERIE"})) == ["2.3.2"]
    assert codes(client.get(URL, {"q": "epuises"})) == ["2.3.3"]
    assert codes(client.get(URL, {"q": "introuvable"})) == []
    assert "Aucune action ne correspond" in client.get(URL, {"q": "zzz"}).content.decode()


def test_search_covers_objectives_and_description(client, agent, objectif):
    ActionFactory(objectif=objectif, numero=1, objectifs_action="Briser la solitude")
    ActionFactory(objectif=objectif, numero=2, description="Distribution de colis")
    client.force_login(agent)
    assert codes(client.get(URL, {"q": "solitude"})) == ["2.3.1"]
    assert codes(client.get(URL, {"q": "colis"})) == ["2.3.2"]


def test_each_filter(client, agent, projet, objectif):
    axe2 = AxeFactory(projet=projet, numero=3)
    objectif2 = ObjectifFactory(axe=axe2, numero=1)
    pilote = AgentFactory(username="pilote-filtre")
    public = PublicCibleFactory(libelle="Personnes âgées")
    partenaire = PartenaireFactory(nom="CDAS")
    campagne = CampagneFactory(projet=projet, annee=2025)

    a1 = ActionFactory(
        objectif=objectif,
        numero=1,
        statut=StatutAction.EN_COURS,
        priorite=Priorite.HAUTE,
        pilote=pilote,
        service_pilote="Pôle seniors",
        echeance=datetime.date(2024, 1, 31),
    )
    a1.publics.add(public)
    ActionPartenaireFactory(action=a1, partenaire=partenaire, role=RolePartenaire.FINANCEUR)
    IndicateurFactory(action=a1)
    EvaluationFactory(campagne=campagne, action=a1)
    ActionFactory(objectif=objectif2, numero=1, statut=StatutAction.REALISEE, pilote=None)
    client.force_login(agent)

    def filtre(**params):
        return codes(client.get(URL, params))

    assert filtre() == ["2.3.1", "3.1.1"]
    assert filtre(axe=axe2.pk) == ["3.1.1"]
    assert filtre(objectif=objectif.pk) == ["2.3.1"]
    assert filtre(statut=[StatutAction.REALISEE]) == ["3.1.1"]
    assert filtre(statut=[StatutAction.REALISEE, StatutAction.EN_COURS]) == ["2.3.1", "3.1.1"]
    assert filtre(priorite=Priorite.HAUTE) == ["2.3.1"]
    assert filtre(pilote=pilote.pk) == ["2.3.1"]
    assert filtre(service="Pôle seniors") == ["2.3.1"]
    assert filtre(partenaire=partenaire.pk) == ["2.3.1"]
    assert filtre(public=public.pk) == ["2.3.1"]
    assert filtre(en_retard="on") == ["2.3.1"]
    assert filtre(sans_pilote="on") == ["3.1.1"]
    assert filtre(sans_indicateur="on") == ["3.1.1"]
    assert filtre(non_evaluee="on") == ["3.1.1"]
    # Filters combine, and an unchecked box does not filter.
    assert filtre(axe=axe2.pk, sans_pilote="on") == ["3.1.1"]
    assert filtre(axe=axe2.pk, en_retard="on") == []


def test_filtered_list_is_a_shareable_link(client, agent, objectif):
    ActionFactory(objectif=objectif, numero=1, statut=StatutAction.REALISEE)
    client.force_login(agent)
    response = client.get(URL, {"statut": "realisee", "tri": "-echeance"})
    content = response.content.decode()
    # The form shows the filter in use, and sort links keep it.
    assert 'value="realisee" class="form-check-input" id="id_statut_2" checked' in content
    assert "statut=realisee&amp;tri=code" in content
    assert response.context["page"].paginator.count == 1
    assert response.context["filtre"].actifs == ["Statut : Réalisée"]


def test_invalid_filter_value_is_reported(client, agent, objectif):
    ActionFactory(objectif=objectif)
    client.force_login(agent)
    response = client.get(URL, {"axe": "999999"})
    assert response.status_code == 200
    assert "Un filtre n'est pas valide" in response.content.decode()


def test_sort_by_each_column(client, agent, objectif):
    premiere = ActionFactory(
        objectif=objectif,
        numero=1,
        intitule="Zèbre",
        priorite=Priorite.BASSE,
        echeance=datetime.date(2026, 1, 1),
    )
    seconde = ActionFactory(
        objectif=objectif,
        numero=2,
        intitule="Abeille",
        priorite=Priorite.HAUTE,
        echeance=datetime.date(2025, 1, 1),
    )
    campagne = CampagneFactory(projet=objectif.axe.projet)
    EvaluationFactory(campagne=campagne, action=premiere, taux_realisation=10)
    EvaluationFactory(campagne=campagne, action=seconde, taux_realisation=90)
    client.force_login(agent)

    def tri(cle):
        return codes(client.get(URL, {"tri": cle}))

    assert tri("code") == ["2.3.1", "2.3.2"]
    assert tri("-code") == ["2.3.2", "2.3.1"]
    assert tri("intitule") == ["2.3.2", "2.3.1"]
    assert tri("priorite") == ["2.3.2", "2.3.1"]
    assert tri("echeance") == ["2.3.2", "2.3.1"]
    assert tri("-taux") == ["2.3.2", "2.3.1"]
    assert tri("nimportequoi") == ["2.3.1", "2.3.2"]
    assert 'aria-sort="descending"' in client.get(URL, {"tri": "-taux"}).content.decode()


def test_list_shows_latest_taux_late_marker_and_pilote(client, agent, objectif):
    pilote = AgentFactory(username="pilote-x", first_name="Agente", last_name="Accueil")
    action = ActionFactory(objectif=objectif, numero=1, pilote=pilote, en_retard=True)
    reprise = ActionFactory(objectif=objectif, numero=2)
    ancienne = CampagneFactory(projet=objectif.axe.projet, annee=2024)
    recente = CampagneFactory(projet=objectif.axe.projet, annee=2025)
    EvaluationFactory(campagne=ancienne, action=action, taux_realisation=20)
    EvaluationFactory(campagne=recente, action=action, taux_realisation=65)
    EvaluationFactory(campagne=ancienne, action=reprise, taux_realisation=25)
    client.force_login(agent)
    response = client.get(URL)
    content = response.content.decode()
    # 2.3.1 evaluated in the latest review: its taux there; 2.3.2 only in 2024: carried
    # forward and said so.
    lignes = {a.code: (a.avancement, a.origine_avancement) for a in response.context["page"]}
    assert lignes == {"2.3.1": (65, ""), "2.3.2": (25, "repris du Bilan 2024")}
    assert "65 %" in content
    assert '<span class="small text-body-secondary origine-avancement">repris du Bilan 2024' in (
        content
    )
    assert "En retard" in content
    assert "Agente Accueil" in content
    # The projet: (65 + 25) / 2 = 45 %, one of the two evaluated in the open 2025 review.
    assert "Avancement du projet au Bilan 2025 : 45 %, 1 / 2 actions évaluées au Bilan 2025" in (
        content
    )
    assert "en cours de saisie" in content


def test_pagination_past_50_rows(client, agent, objectif):
    for numero in range(1, 56):
        ActionFactory(objectif=objectif, numero=numero)
    client.force_login(agent)
    page1 = client.get(URL)
    assert len(page1.context["page"].object_list) == 50
    assert "55 actions" in page1.content.decode()
    page2 = client.get(URL, {"page": 2})
    assert codes(page2) == [f"2.3.{n}" for n in range(51, 56)]


def test_other_projets_actions_are_not_listed(client, agent, objectif):
    ActionFactory(objectif=objectif, intitule="Du projet courant")
    ancien = ProjetSocialFactory(annee_debut=2017, annee_fin=2020)
    ActionFactory(
        objectif=ObjectifFactory(axe=AxeFactory(projet=ancien)), intitule="D'un autre projet"
    )
    client.force_login(agent)
    content = client.get(URL).content.decode()
    assert "Du projet courant" in content
    assert "un autre projet" not in content


def test_mes_actions_lists_the_pilotes_actions(client, agent, objectif):
    ActionFactory(objectif=objectif, numero=1, pilote=agent, intitule="La mienne")
    ActionFactory(objectif=objectif, numero=2, intitule="Celle d'un collègue")
    client.force_login(agent)
    response = client.get(reverse("actions:mes_actions"))
    assert codes(response) == ["2.3.1"]
    assert "<h1" in response.content.decode() and "Mes actions" in response.content.decode()


def _seed(objectif, campagne, nombre) -> list:
    """``nombre`` actions in progress, titled "Action n°…", each with a row of every kind."""
    partenaire = PartenaireFactory()
    public = PublicCibleFactory()
    actions = []
    for _ in range(nombre):
        action = ActionFactory(objectif=objectif, pilote=AgentFactory())
        action.publics.add(public)
        ActionPartenaireFactory(action=action, partenaire=partenaire)
        IndicateurFactory(action=action)
        EvaluationFactory(campagne=campagne, action=action)
        actions.append(action)
    return actions


def _filtres(response) -> str:
    html = response.content.decode()
    return html[html.index('<form method="get" class="filtres"') : html.index("</form>")]


def test_query_count_does_not_grow(client, agent, objectif, django_assert_num_queries):
    campagne = CampagneFactory(projet=objectif.axe.projet)
    client.force_login(agent)
    montrees = _seed(objectif, campagne, 3)
    # Left out by the filters: a fiche already done, a fiche in progress the search misses.
    ActionFactory(objectif=objectif, statut=StatutAction.REALISEE)
    ActionFactory(objectif=objectif, intitule="Épicerie sociale")
    # The first page after the plan changed: 1 session, 2 user, 3 the plan's generation,
    # 4 projet, 5-6 user and group permissions, 7 latest campagne, 8 services (filter
    # choices), 9 count, 10 page of actions with their avancement, 11-12 publics and
    # partners of the page (why the search found each row), filter choices: 13 axes,
    # 14 objectifs, 15 pilotes, 16 partenaires, 17 publics, 18 besoins (ABS),
    # 19 avancement of the projet.
    params = {"q": "action", "statut": "en_cours", "en_retard": ""}
    with django_assert_num_queries(19):
        response = client.get(URL, params)
    assert codes(response) == [a.code for a in sorted(montrees, key=lambda a: a.numero)]
    montrees += _seed(objectif, campagne, 27)
    with django_assert_num_queries(19):
        response = client.get(URL, params)
    assert codes(response) == [a.code for a in sorted(montrees, key=lambda a: a.numero)]
    # The plan unchanged, the process kept all but 1-3 and 9-12.
    with django_assert_num_queries(7):
        encore = client.get(URL, params)
    assert codes(encore) == codes(response)
    assert _filtres(encore) == _filtres(response)  # the kept lists, as read


# --- Search: numbers, people, partners, and why a row was found ----------------------------


def test_a_fiche_number_opens_the_fiche(client, agent, projet, objectif):
    action = ActionFactory(objectif=objectif, numero=1, intitule="Box Marianne")
    ActionFactory(objectif=objectif, numero=2, description="Voir la fiche 2.3.1")
    client.force_login(agent)
    response = client.get(URL, {"q": "2.3.1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", args=[action.pk])
    # Filtered out by another filter: no fiche to open, the list says so.
    response = client.get(URL, {"q": "2.3.1", "statut": StatutAction.REALISEE})
    assert response.status_code == 200 and codes(response) == []


def test_an_objective_or_axe_number_filters_the_list(client, agent, projet, objectif):
    autre_objectif = ObjectifFactory(axe=objectif.axe, numero=4)
    autre_axe = ObjectifFactory(axe=AxeFactory(projet=projet, numero=3), numero=3)
    # Titles without digits: a bare "3" also searches the text.
    ActionFactory(objectif=objectif, numero=1, intitule="Alpha")
    ActionFactory(objectif=objectif, numero=2, intitule="Beta")
    ActionFactory(objectif=autre_objectif, numero=1, intitule="Gamma")
    ActionFactory(objectif=autre_axe, numero=1, intitule="Delta")
    client.force_login(agent)
    assert codes(client.get(URL, {"q": "2.3"})) == ["2.3.1", "2.3.2"]
    assert codes(client.get(URL, {"q": "2.4."})) == ["2.4.1"]
    assert codes(client.get(URL, {"q": "3"})) == ["3.3.1"]
    assert codes(client.get(URL, {"q": "9.9"})) == []


def test_words_match_pilote_service_partners_publics_objective_and_axe(client, agent, objectif):
    seniors = AgentFactory(
        username="coordination.seniors", first_name="Coordination", last_name="seniors"
    )
    par_pilote = ActionFactory(objectif=objectif, numero=1, intitule="Visites", pilote=seniors)
    ActionFactory(objectif=objectif, numero=2, intitule="Repas", service_pilote="Pôle Séniors")
    par_partenaire = ActionFactory(objectif=objectif, numero=3, intitule="Épicerie")
    ActionPartenaireFactory(
        action=par_partenaire, partenaire=PartenaireFactory(nom="Banque alimentaire du Finistère")
    )
    par_public = ActionFactory(objectif=objectif, numero=4, intitule="Colis")
    par_public.publics.add(PublicCibleFactory(libelle="Personnes âgées isolées"))
    ActionFactory(objectif=objectif, numero=5, intitule="Sans rapport")
    client.force_login(agent)

    response = client.get(URL, {"q": "senior"})
    assert codes(response) == ["2.3.1", "2.3.2"]
    raisons = {a.code: a.trouvee_par for a in response.context["page"]}
    assert raisons == {
        "2.3.1": ["pilote « Coordination seniors »"],
        "2.3.2": ["service « Pôle Séniors »"],
    }
    assert "trouvée par : pilote « Coordination seniors »" in texte_lu(response)
    response = client.get(URL, {"q": "BANQUE alimentaire"})
    assert codes(response) == ["2.3.3"]
    assert [a.trouvee_par for a in response.context["page"]] == [
        ["partenaire « Banque alimentaire du Finistère »"]
    ]
    assert codes(client.get(URL, {"q": "agees"})) == ["2.3.4"]
    assert codes(client.get(URL, {"q": "coordination.seniors"})) == ["2.3.1"]
    # The objective's and the axe's titles: every action under them.
    assert codes(client.get(URL, {"q": objectif.intitule})) == [
        "2.3.1",
        "2.3.2",
        "2.3.3",
        "2.3.4",
        "2.3.5",
    ]
    assert len(codes(client.get(URL, {"q": objectif.axe.intitule}))) == 5
    # Found by its title: nothing more to say.
    response = client.get(URL, {"q": "visites"})
    assert [a.trouvee_par for a in response.context["page"]] == [[]]
    assert "trouvée par" not in texte_lu(response)
    # Every word must match, each anywhere.
    assert codes(client.get(URL, {"q": "visites seniors"})) == ["2.3.1"]
    assert codes(client.get(URL, {"q": "repas banque"})) == []
    assert par_pilote.pk  # (used above through its pilote)


# --- What the list says: plurals, chips, pilotes' names ------------------------------------


def test_the_count_is_in_french(client, agent, objectif):
    client.force_login(agent)
    assert "0 action" == titre_resultats(client.get(URL))
    ActionFactory(objectif=objectif, numero=1)
    assert "1 action" == titre_resultats(client.get(URL))
    ActionFactory(objectif=objectif, numero=2)
    assert "2 actions" == titre_resultats(client.get(URL))


def test_active_filters_are_chips_that_remove_them(client, agent, projet, objectif):
    pilote = AgentFactory(
        username="referent.insertion", first_name="Référent", last_name="insertion"
    )
    ActionFactory(objectif=objectif, numero=1, pilote=pilote, statut=StatutAction.EN_COURS)
    client.force_login(agent)
    params = {
        "q": "senior",
        "statut": [StatutAction.EN_COURS, StatutAction.A_LANCER],
        "pilote": pilote.pk,
        "en_retard": "on",
        "tri": "-echeance",
        "page": "2",
    }
    response = client.get(URL, params)
    puces = {puce["libelle"]: puce["url"] for puce in response.context["puces"]}
    assert list(puces) == [
        "Recherche « senior »",
        "Statut : En cours",
        "Statut : À lancer",
        "Pilote : Référent insertion",
        "En retard",
    ]
    pilote_id = f"pilote={pilote.pk}"
    assert puces["Recherche « senior »"] == (
        f"?statut=en_cours&statut=a_lancer&{pilote_id}&en_retard=on&tri=-echeance"
    )
    assert puces["Statut : En cours"] == (
        f"?q=senior&statut=a_lancer&{pilote_id}&en_retard=on&tri=-echeance"
    )
    assert puces["En retard"] == (
        f"?q=senior&statut=en_cours&statut=a_lancer&{pilote_id}&tri=-echeance"
    )
    # Each chip is a link the user can follow, named for what it lifts.
    assertContains(
        response,
        f'<a class="puce" href="{escape(puces["Statut : En cours"])}">Statut : En cours'
        '<span class="visually-hidden"> : retirer ce filtre</span>'
        '<span class="puce-croix" aria-hidden="true">×</span></a>',
        html=True,
    )
    assert response.context["filtre"].actifs == list(puces)
    # « Plus de filtres » opens on the one in use there (En retard) and counts it.
    ouvert = r'<details class="plus-filtres" open>\s*<summary>Plus de filtres \(1 en cours\)'
    assert re.search(ouvert, response.content.decode())


def test_pilote_choices_show_names(client, agent, objectif):
    pilote = AgentFactory(
        username="referent.insertion", first_name="Référent", last_name="insertion"
    )
    sans_nom = AgentFactory(username="coordination", first_name="", last_name="")
    ActionFactory(objectif=objectif, numero=1, pilote=pilote)
    ActionFactory(objectif=objectif, numero=2, pilote=sans_nom)
    client.force_login(agent)
    select = re.search(r'<select name="pilote".*?</select>', client.get(URL).content.decode(), re.S)
    assert sorted(re.findall(r"<option[^>]*>([^<]*)</option>", select.group())) == [
        "Référent insertion",
        "Tous",
        "coordination",
    ]


def test_kept_drop_down_lists_show_each_request_s_choice_and_follow_the_plan(
    client, agent, objectif
):
    """The filters' lists are kept by the server process while the plan is unchanged: each
    page still shows its own selection, and a new pilote appears at the next page."""
    premier = AgentFactory(username="premier", first_name="Anne", last_name="Premier")
    second = AgentFactory(username="second", first_name="Bruno", last_name="Second")
    ActionFactory(objectif=objectif, numero=1, pilote=premier)
    ActionFactory(objectif=objectif, numero=2, pilote=second)
    client.force_login(agent)

    def choisi(response) -> list[str]:
        select = re.search(r'<select name="pilote".*?</select>', response.content.decode(), re.S)
        return re.findall(r"<option[^>]*selected[^>]*>([^<]*)</option>", select.group())

    assert choisi(client.get(URL, {"pilote": premier.pk})) == ["Anne Premier"]
    assert choisi(client.get(URL, {"pilote": second.pk})) == ["Bruno Second"]
    assert choisi(client.get(URL)) == ["Tous"]
    troisieme = AgentFactory(username="troisieme", first_name="Chloé", last_name="Troisième")
    ActionFactory(objectif=objectif, numero=3, pilote=troisieme)
    assert choisi(client.get(URL, {"pilote": troisieme.pk})) == ["Chloé Troisième"]
    assert codes(client.get(URL, {"pilote": troisieme.pk})) == ["2.3.3"]


def titre_resultats(response) -> str:
    trouve = re.search(r'id="titre-resultats"[^>]*>(.*?)</h2>', response.content.decode(), re.S)
    return trouve.group(1).strip()


def test_numbers_as_agents_write_them():
    assert parties_du_code("3.2.1") == (3, 2, 1)
    assert parties_du_code("3.2.") == (3, 2)
    assert parties_du_code(" 3 ") == (3,)
    assert parties_du_code("3.2.1.4") is None
    assert parties_du_code("3,2") is None
    assert parties_du_code("senior") is None


def test_found_by_the_objective_or_the_text_says_so(client, agent, objectif):
    aines = ObjectifFactory(axe=objectif.axe, numero=7, intitule="Rompre l'isolement des aînés")
    ActionFactory(objectif=aines, numero=1, intitule="Visites", description="Avec le CLIC")
    ActionFactory(objectif=objectif, numero=1, intitule="Autre", description="Avec le CLIC")
    client.force_login(agent)
    response = client.get(URL, {"q": "AINES clic"})
    assert [a.trouvee_par for a in response.context["page"]] == [
        ["objectif « 2.7 Rompre l'isolement des aînés »", "description"]
    ]
