"""The fiche projet: reading, creating, editing (formsets, optimistic locking), moving,
abandoning and deleting it, for each role."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from actions.enums import RolePartenaire, StatutAction, TypeIndicateur
from actions.models import Action, ActionPartenaire, Indicateur, Partenaire
from axes.enums import StatutProjet
from evaluations.models import Evaluation
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    EtapeFactory,
    IndicateurFactory,
    LigneBudgetFactory,
    PartenaireFactory,
    PublicCibleFactory,
)
from tests.axes.factories import (
    AxeFactory,
    BesoinSocialFactory,
    ObjectifFactory,
    ProjetSocialFactory,
)
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, MesureFactory
from tests.factories_utilisateurs import AdministrateurFactory, AgentFactory
from tests.formulaires import avec_les_lignes_ajoutees, donnees_du_formulaire

# --- Fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def autre_projet_action(db):
    """An action of a plan that is not the current one (closed, older)."""
    ancien = ProjetSocialFactory(statut=StatutProjet.CLOS, annee_debut=2017, annee_fin=2020)
    return ActionFactory(objectif=ObjectifFactory(axe=AxeFactory(projet=ancien)))


def url(nom: str, action: Action) -> str:
    return reverse(f"actions:{nom}", args=[action.pk])


def texte(response) -> str:
    return response.content.decode()


# --- Roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nom", ["detail", "historique", "modifier", "deplacer", "abandonner", "supprimer"]
)
def test_anonymous_is_sent_to_login(client, action, nom):
    response = client.get(url(nom, action))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_creation_is_sent_to_login(client, db):
    response = client.get(reverse("actions:creer"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_agent_sees_every_button(client, agent, action):
    client.force_login(agent)
    response = client.get(url("detail", action))
    assert response.status_code == 200
    for nom in ("modifier", "deplacer", "abandonner"):
        assert f'href="{url(nom, action)}"' in texte(response)
    assert url("supprimer", action) not in texte(response)


def test_administrateur_sees_delete_button(client, administrateur, action):
    client.force_login(administrateur)
    response = client.get(url("detail", action))
    assert f'href="{url("supprimer", action)}"' in texte(response)


def test_elu_reads_the_fiche_without_any_edit_button(client, elu, action):
    client.force_login(elu)
    response = client.get(url("detail", action))
    assert response.status_code == 200
    assert "Visites de convivialité" in texte(response)
    for nom in ("modifier", "deplacer", "abandonner", "supprimer"):
        assert url(nom, action) not in texte(response)
    assert "Modifier la fiche" not in texte(response)


@pytest.mark.parametrize("nom", ["modifier", "deplacer", "abandonner", "supprimer"])
def test_elu_gets_403_on_every_edit_url(client, elu, action, nom):
    client.force_login(elu)
    assert client.get(url(nom, action)).status_code == 403
    assert client.post(url(nom, action), {"motif_abandon": "x"}).status_code == 403
    action.refresh_from_db()
    assert action.statut == StatutAction.A_LANCER
    assert action.version == 1


def test_elu_cannot_create(client, elu, objectif):
    client.force_login(elu)
    assert client.get(reverse("actions:creer")).status_code == 403
    assert client.post(reverse("actions:creer"), {"intitule": "x"}).status_code == 403
    assert not Action.objects.exists()


def test_pilote_reads_and_edits_their_fiche_only(client, pilote, action, objectif):
    autre = ActionFactory(objectif=objectif, numero=2)
    client.force_login(pilote)

    fiche = client.get(url("detail", action))
    assert fiche.status_code == 200
    assert f'href="{url("modifier", action)}"' in texte(fiche)
    assert url("deplacer", action) not in texte(fiche)  # moving is for agents
    assert client.get(url("modifier", action)).status_code == 200
    assert client.get(url("historique", action)).status_code == 200

    assert client.get(url("detail", autre)).status_code == 403
    assert client.get(url("historique", autre)).status_code == 403
    assert client.get(url("modifier", autre)).status_code == 403


@pytest.mark.parametrize("nom", ["deplacer", "supprimer"])
def test_pilote_cannot_move_or_delete(client, pilote, action, nom):
    client.force_login(pilote)
    assert client.get(url(nom, action)).status_code == 403


def test_pilote_cannot_create(client, pilote, objectif):
    client.force_login(pilote)
    assert client.get(reverse("actions:creer")).status_code == 403


def test_agent_opens_every_form(client, agent, action):
    client.force_login(agent)
    for nom in ("modifier", "deplacer", "abandonner"):
        assert client.get(url(nom, action)).status_code == 200, nom
    assert client.get(reverse("actions:creer")).status_code == 200


@pytest.mark.parametrize(
    "nom", ["detail", "historique", "modifier", "deplacer", "abandonner", "supprimer"]
)
def test_action_of_another_projet_is_404(client, administrateur, autre_projet_action, action, nom):
    client.force_login(administrateur)
    assert client.get(url(nom, autre_projet_action)).status_code == 404
    if nom not in ("detail", "historique"):  # a forged POST finds nothing either
        response = client.post(url(nom, autre_projet_action), {"motif_abandon": "Piratage"})
        assert response.status_code == 404
    assert Action.objects.filter(pk=autre_projet_action.pk, version=1).exists()


def test_mutating_views_refuse_other_methods(client, agent, action):
    client.force_login(agent)
    assert client.put(url("modifier", action)).status_code == 405
    assert client.post(url("detail", action)).status_code == 405


# --- The fiche page ------------------------------------------------------------------------


def test_fiche_shows_every_section(client, agent, action):
    action.constat = "Isolement des aînés\nsurtout l'hiver"
    action.service_pilote = "Pôle seniors"
    action.elu_referent = "Adjointe aux affaires sociales"
    action.recurrente = True
    action.save()
    action.publics.add(PublicCibleFactory(libelle="Personnes âgées"))
    financeur = PartenaireFactory(nom="Conseil départemental")
    ActionPartenaireFactory(action=action, partenaire=financeur, role=RolePartenaire.FINANCEUR)
    LigneBudgetFactory(
        action=action, annee=2025, montant_prevu=Decimal("1000"), financeur=financeur
    )
    LigneBudgetFactory(
        action=action, annee=2025, montant_prevu=Decimal("500"), montant_realise=Decimal("450")
    )
    LigneBudgetFactory(action=action, annee=2026, montant_prevu=Decimal("2000"))
    EtapeFactory(action=action, libelle="Recruter des bénévoles", faite=True)
    EtapeFactory(action=action, libelle="Former les bénévoles", echeance=datetime.date(2024, 1, 1))
    indicateur = IndicateurFactory(
        action=action, libelle="Personnes visitées", valeur_cible=Decimal("40")
    )
    MesureFactory(
        indicateur=indicateur,
        valeur_realisee=Decimal("10"),
        evaluation=EvaluationFactory(
            action=action, campagne=CampagneFactory(projet=action.objectif.axe.projet, annee=2024)
        ),
    )
    MesureFactory(
        indicateur=indicateur,
        valeur_realisee=Decimal("30"),
        evaluation=EvaluationFactory(
            action=action,
            campagne=CampagneFactory(projet=action.objectif.axe.projet, annee=2025),
            taux_realisation=70,
            realise="Quinze bénévoles formés.",
        ),
    )
    client.force_login(agent)

    response = client.get(url("detail", action))

    assert response.status_code == 200
    html = texte(response)
    for titre in (
        "Identification",
        "Constat et objectifs",
        "Publics et partenaires",
        "Moyens et budget",
        "Calendrier et étapes",
        "Indicateurs",
        "Communication et réseau",
        "Évaluations",
        "Historique",
    ):
        assert f">{titre}</h2>" in html, titre
    assert "<h1" in html and "Fiche action 2.3.1 : Visites de convivialité" in html
    assert "Isolement des aînés<br>surtout l&#x27;hiver" in html
    assert "Oui, l'action se répète chaque année" in html
    assert "Paule Pilote" in html
    assert "Personnes âgées" in html
    assert (
        f'<a href="{reverse("actions:partenaire", args=[financeur.pk])}">Conseil départemental</a>'
        in html
    )
    assert "Financeur" in html
    # Budget per year: 1 500 € planned in 2025 (450 realised), 2 000 € in 2026, 3 500 € in all.
    assert "Total 2025" in html and "Total 2026" in html
    assert formats.number_format(Decimal("1500"), 2, force_grouping=True) + " €" in html
    assert formats.number_format(Decimal("3500"), 2, force_grouping=True) + " €" in html
    assert formats.number_format(Decimal("450"), 2, force_grouping=True) + " €" in html
    # Steps: one done, one late.
    assert "Faite" in html and "En retard" in html
    # Indicator: the latest value (2025) and attainment 30 / 40 = 75 %.
    assert "(bilan 2025)" in html and "75 %" in html
    # Evaluations, newest first.
    assert html.index("Quinze bénévoles formés.") < html.index(">2024")
    assert 'aria-valuenow="70"' in html


def test_fiche_shows_abandon_reason_and_lateness(client, elu, objectif):
    abandonnee = ActionFactory(objectif=objectif, abandonnee=True)
    en_retard = ActionFactory(objectif=objectif, en_retard=True)
    client.force_login(elu)
    assert "Besoin couvert par un partenaire." in texte(client.get(url("detail", abandonnee)))
    assert "échéance dépassée le 30/06/2024" in texte(client.get(url("detail", en_retard)))


def test_fiche_links_to_previous_and_next_in_code_order(client, elu, objectif, action):
    suivante = ActionFactory(objectif=objectif, numero=2, intitule="Café des aidants")
    autre_objectif = ObjectifFactory(axe=objectif.axe, numero=4)
    apres = ActionFactory(objectif=autre_objectif, numero=1, intitule="Jardins partagés")
    premiere = ActionFactory(
        objectif=ObjectifFactory(axe=AxeFactory(projet=objectif.axe.projet, numero=1), numero=1),
        numero=5,
        intitule="Permanences d'accès aux droits",
    )
    client.force_login(elu)

    html = texte(client.get(url("detail", suivante)))
    assert f'<a href="{url("detail", action)}" rel="prev">' in html
    assert f'<a href="{url("detail", apres)}" rel="next">' in html

    html = texte(client.get(url("detail", action)))
    assert f'<a href="{url("detail", premiere)}" rel="prev">' in html
    assert "Fiche précédente : 1.1.5 Permanences d&#x27;accès aux droits" in html
    assert 'rel="prev"' not in texte(client.get(url("detail", premiere)))


def test_html_typed_in_a_field_is_shown_as_text(client, agent, objectif):
    action = ActionFactory(
        objectif=objectif,
        intitule="<script>alert('x')</script>",
        constat="<b>gras</b>",
    )
    client.force_login(agent)
    html = texte(client.get(url("detail", action)))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;gras&lt;/b&gt;" in html


def _remplir(action, n: int, pilote, campagnes) -> None:
    """``n`` rows of every kind under ``action``, ``n`` saves of the fiche and ``n`` changes
    of its publics and besoins (a historical record each, holding the items)."""
    for i in range(n):
        action.publics.set([PublicCibleFactory(libelle=f"Public {i % 3}")])
        action.besoins.add(BesoinSocialFactory(projet=action.objectif.axe.projet))
        partenaire = PartenaireFactory()
        ActionPartenaireFactory(action=action, partenaire=partenaire)
        indicateur = IndicateurFactory(action=action)
        indicateur.valeur_cible += 1
        indicateur.save()  # a change: the history diffs it against the preceding record
        EtapeFactory(action=action)
        LigneBudgetFactory(action=action, annee=2023 + i % 4, financeur=partenaire)
        evaluation = EvaluationFactory(action=action, campagne=campagnes[i])
        MesureFactory(evaluation=evaluation, indicateur=indicateur)
        action.description = f"Version {i}"
        action.pilote = pilote if i % 2 else None
        action.save_versioned(action.version)


def test_fiche_query_count_does_not_grow(client, elu, pilote, objectif, django_assert_num_queries):
    projet = objectif.axe.projet
    campagnes = [CampagneFactory(projet=projet, annee=2000 + i) for i in range(30)]
    petite = ActionFactory(objectif=objectif, numero=1, pilote=pilote)
    grande = ActionFactory(objectif=objectif, numero=2, pilote=pilote)
    _remplir(petite, 3, pilote, campagnes)
    _remplir(grande, 30, pilote, campagnes)
    client.force_login(elu)
    # The first page after the plan changed: 1 session, 2 user, 3 the plan's generation,
    # 4 projet courant, 5 latest campagne, 6 action with objectif, axe, pilote, updated_by
    # and its avancement in that review, 7 publics, 8 besoins, 9 partners with partenaire,
    # 10 indicators, 11 steps, 12 budget lines with financeur, 13-14 view_action permission
    # (user's then groups' permissions), 15 evaluations with campagne, 16 their mesures,
    # 17 the plan's fiches in code order (previous and next fiche), 18 the last records of
    # the fiche's history with their user. (The open campaigns, for the « Évaluer »
    # buttons, are read only for those who may evaluate: not for an élu.)
    with django_assert_num_queries(18):
        petite_page = client.get(url("detail", petite))
    # The next one, the plan unchanged: the process kept 4, 5, 13-14 and 17.
    with django_assert_num_queries(13):
        grande_page = client.get(url("detail", grande))
    assert len(grande_page.context["indicateurs"]) == 30
    assert len(grande_page.context["evaluations"]) == 30
    assert len(petite_page.context["indicateurs"]) == 3
    assert len(petite_page.context["evaluations"]) == 3
    # The fiche keeps its last 5 records and links to the full history.
    assert len(grande_page.context["historique"]) == 5
    assert f'href="{url("historique", grande)}"' in texte(grande_page)


def test_history_page_query_count_does_not_grow(
    client, elu, pilote, objectif, django_assert_num_queries
):
    projet = objectif.axe.projet
    campagnes = [CampagneFactory(projet=projet, annee=2000 + i) for i in range(30)]
    petite = ActionFactory(objectif=objectif, numero=1, pilote=pilote)
    grande = ActionFactory(objectif=objectif, numero=2, pilote=pilote)
    _remplir(petite, 3, pilote, campagnes)
    _remplir(grande, 30, pilote, campagnes)
    client.force_login(elu)
    # 1 session, 2 user, 3 the plan's generation, 4 projet courant, 5 action with objectif
    # and axe, 6-7 view_action permission (user's then groups' permissions), 8-12 history of
    # the action, partners, indicators, steps and budget lines (each with the preceding
    # records), 13 users, 14 objectives, 15 partners named by the history, 16 publics and
    # 17 besoins held by the records of the fiche, with their labels.
    with django_assert_num_queries(17):
        petite_page = client.get(url("historique", petite))
    # The plan unchanged, the process kept 4 and 6-7.
    with django_assert_num_queries(14):
        grande_page = client.get(url("historique", grande))
    assert len(grande_page.context["historique"]) == 50
    # The changes of publics and besoins are read, not only counted.
    changements = [c.champ for e in petite_page.context["historique"] for c in e.changements]
    assert "Publics cibles" in changements
    assert "Besoins sociaux (ABS) auxquels l'action répond" in changements


def test_edit_form_query_count_does_not_grow(
    client, agent, pilote, objectif, django_assert_num_queries
):
    projet = objectif.axe.projet
    campagnes = [CampagneFactory(projet=projet, annee=2000 + i) for i in range(30)]
    petite = ActionFactory(objectif=objectif, numero=1)
    grande = ActionFactory(objectif=objectif, numero=2)
    _remplir(petite, 3, pilote, campagnes)
    _remplir(grande, 30, pilote, campagnes)
    PublicCibleFactory()
    client.force_login(agent)
    # 1 session, 2 user, 3 the plan's generation, 4 projet courant, 5 action with objectif,
    # axe and pilote, 6 publics and 7 besoins of the action, 8-9 change_action permission
    # (user's, groups'), 10 publics choices, 11 besoins choices, 12 pilote choices, 13 élu
    # référent choices, 14 partners of the action, 15 partner choices (shared by every
    # row), 16 budget lines, 17 financeur choices, 18 steps, 19 indicators.
    with django_assert_num_queries(19):
        client.get(url("modifier", petite))
    # The plan unchanged, the process kept 4 and 8-9.
    with django_assert_num_queries(16):
        response = client.get(url("modifier", grande))
    assert response.context["formsets"]["indicateurs"].total_form_count() == 30  # no empty row


# --- Creating ------------------------------------------------------------------------------


def test_creation_form_preselects_objective_and_next_number(client, agent, action, objectif):
    ActionFactory(objectif=objectif, numero=4)
    client.force_login(agent)
    response = client.get(reverse("actions:creer") + f"?objectif={objectif.pk}")
    form = response.context["form"]
    assert form["objectif"].value() == objectif.pk
    assert form["numero"].value() == 5
    assert '<input type="date" name="date_debut"' in texte(response)


def test_creation_saves_the_fiche_and_its_rows(client, agent, objectif, action):
    existant = PartenaireFactory(nom="Banque alimentaire")
    public = PublicCibleFactory(libelle="Familles monoparentales")
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(reverse("actions:creer") + f"?objectif={objectif.pk}"))
    data.update(
        {
            "intitule": "Épicerie sociale",
            "statut": StatutAction.EN_COURS,
            "publics": [str(public.pk)],
            "date_debut": "2024-04-01",
            "echeance": "2026-12-31",
            "partenaires-0-partenaire": str(existant.pk),
            "partenaires-0-role": RolePartenaire.FINANCEUR,
            "partenaires-1-nouveau_partenaire": "Association des commerçants",
            "partenaires-1-role": RolePartenaire.CONTRIBUTEUR,
            "indicateurs-0-libelle": "Foyers inscrits",
            "indicateurs-0-type": TypeIndicateur.RESULTAT,
            "indicateurs-0-valeur_cible": "60",
            "etapes-0-libelle": "Aménager le local",
            "etapes-0-echeance": "2024-03-15",
            "budget-0-annee": "2024",
            "budget-0-montant_prevu": "500",
            "budget-0-financeur": str(existant.pk),
        }
    )

    response = client.post(reverse("actions:creer"), avec_les_lignes_ajoutees(data))

    nouvelle = Action.objects.get(intitule="Épicerie sociale")
    assert response.status_code == 302
    assert response["Location"] == url("detail", nouvelle)
    assert nouvelle.code == "2.3.2"  # next free number after 2.3.1
    assert nouvelle.created_by == agent and nouvelle.updated_by == agent
    assert nouvelle.version == 1
    assert list(nouvelle.publics.all()) == [public]
    assert {(p.partenaire.nom, p.role) for p in nouvelle.participations.all()} == {
        ("Banque alimentaire", RolePartenaire.FINANCEUR),
        ("Association des commerçants", RolePartenaire.CONTRIBUTEUR),
    }
    indicateur = nouvelle.indicateurs.get()
    assert (indicateur.libelle, indicateur.valeur_cible) == ("Foyers inscrits", Decimal("60"))
    assert nouvelle.etapes.get().echeance == datetime.date(2024, 3, 15)
    assert nouvelle.lignes_budget.get().financeur == existant
    fiche = client.get(response["Location"])
    assert "Fiche enregistrée." in texte(fiche)


def test_creation_with_a_taken_number_is_refused(client, agent, action, objectif):
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(reverse("actions:creer") + f"?objectif={objectif.pk}"))
    data.update(intitule="Doublon", numero="1")
    response = client.post(reverse("actions:creer"), avec_les_lignes_ajoutees(data))
    assert response.status_code == 200
    assert "Une action porte déjà ce numéro dans cet objectif." in texte(response)
    assert not Action.objects.filter(intitule="Doublon").exists()


# --- Editing -------------------------------------------------------------------------------


def test_edit_adds_rows_and_the_history_shows_them(client, agent, action):
    existant = PartenaireFactory(nom="CDAS")
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(url("modifier", action)))
    data.update(
        {
            "statut": StatutAction.EN_COURS,
            "partenaires-0-partenaire": str(existant.pk),
            "partenaires-0-role": RolePartenaire.CO_PILOTE,
            "partenaires-1-nouveau_partenaire": "Club des aînés",
            "indicateurs-0-libelle": "Visites réalisées",
            "indicateurs-0-valeur_cible": "120",
        }
    )

    response = client.post(url("modifier", action), avec_les_lignes_ajoutees(data))

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.statut == StatutAction.EN_COURS
    assert action.version == 2
    assert action.updated_by == agent
    assert Partenaire.objects.filter(nom="Club des aînés").exists()
    assert action.participations.count() == 2
    fiche = client.get(url("detail", action))
    assert "Fiche enregistrée." in texte(fiche)
    # The fiche lists who changed it and when; the history page says what changed.
    apercu = texte(fiche).split('id="historique"')[1]
    assert f"<strong>{agent.get_full_name()}</strong> · Modification" in apercu
    assert f'href="{url("historique", action)}"' in apercu
    historique = _historique(client, action)
    assert "Partenaire « CDAS » : ajout" in historique
    assert "Rôle : Co-pilote" in historique
    assert "Partenaire « Club des aînés » : ajout" in historique
    assert "Indicateur « Visites réalisées » : ajout" in historique
    assert "Valeur cible : 120,00" in historique
    assert "Fiche : modification" in historique
    assert agent.get_full_name() in historique
    # The field-level difference, with French labels and choice labels.
    assert (
        '<li>Statut : <del><span class="visually-hidden">avant : </span>À lancer</del> '
        '<span aria-hidden="true">→</span> '
        '<ins><span class="visually-hidden">après : </span>En cours</ins></li>'
    ) in historique


def test_history_shows_changes_and_deletions_of_rows(client, agent, action):
    indicateur = IndicateurFactory(action=action, libelle="Visites", valeur_cible=Decimal("40"))
    etape = EtapeFactory(action=action, libelle="Recruter")
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(url("modifier", action)))
    data["indicateurs-0-valeur_cible"] = "50"
    data["etapes-0-DELETE"] = "on"
    assert data["indicateurs-0-id"] == str(indicateur.pk)
    assert data["etapes-0-id"] == str(etape.pk)

    assert client.post(url("modifier", action), avec_les_lignes_ajoutees(data)).status_code == 302

    assert not action.etapes.exists()
    historique = _historique(client, action)
    assert "Indicateur « Visites » : modification" in historique
    assert "40,00</del>" in historique and "50,00</ins>" in historique
    assert "Étape « Recruter » : suppression" in historique


def test_history_is_limited_and_newest_first(client, elu, action):
    for i in range(60):
        action.intitule = f"Intitulé {i}"
        action.save_versioned(action.version)
    client.force_login(elu)
    # The fiche: its last 5 records (of 61: the creation and 60 changes), newest first.
    apercu = client.get(url("detail", action)).context["historique"]
    assert [entree.intitule for entree in apercu] == [f"Intitulé {i}" for i in range(59, 54, -1)]
    # The history page: the last 50 changes, newest first.
    historique = client.get(url("historique", action)).context["historique"]
    assert len(historique) == 50
    assert historique[0].changements[0].apres == "Intitulé 59"
    assert historique[-1].changements[0].apres == "Intitulé 10"


def _historique(client, action) -> str:
    """The content of the fiche's history page."""
    response = client.get(url("historique", action))
    assert response.status_code == 200
    return texte(response).split("<h1")[1]


def _formulaire_valide(client, action) -> dict:
    return donnees_du_formulaire(client.get(url("modifier", action)))


@pytest.mark.parametrize(
    ("modifications", "message", "saisie"),
    [
        (
            {"intitule": "x" * 251},
            "Assurez-vous que cette valeur comporte au plus 250 caractères (actuellement 251).",
            "x" * 251,
        ),
        (
            {"date_debut": "2026-06-01", "echeance": "2026-01-31"},
            "La date de début doit précéder ou égaler l&#x27;échéance.",
            'value="2026-06-01"',
        ),
        (
            {"budget-0-annee": "2025", "budget-0-montant_prevu": "-10"},
            "Le montant prévu ne peut pas être négatif.",
            'value="-10"',
        ),
        (
            {"budget-0-montant_prevu": "10", "budget-0-montant_realise": "-1"},
            "Le montant réalisé ne peut pas être négatif.",
            'value="-1"',
        ),
        (
            {"indicateurs-0-libelle": "Foyers aidés", "indicateurs-0-valeur_cible": "beaucoup"},
            "Saisissez un nombre.",
            'value="beaucoup"',
        ),
        (
            {"indicateurs-0-libelle": "Foyers aidés", "indicateurs-0-valeur_cible": "-5"},
            "La valeur cible ne peut pas être négative.",
            'value="-5"',
        ),
        (
            {"statut": StatutAction.ABANDONNEE, "motif_abandon": " "},
            "Indiquez le motif de l&#x27;abandon.",
            '<option value="abandonnee" selected>',
        ),
        (
            {"partenaires-0-nouveau_partenaire": "p" * 201},
            "Assurez-vous que cette valeur comporte au plus 200 caractères (actuellement 201).",
            "p" * 201,
        ),
        (
            {"version": "abc"},
            "Ce formulaire ne précise pas la version qu&#x27;il modifie : rien n&#x27;a été "
            "enregistré.",
            'value="abc"',
        ),
    ],
)
def test_bad_input_is_refused_with_a_french_message(
    client, agent, action, modifications, message, saisie
):
    client.force_login(agent)
    data = _formulaire_valide(client, action)
    data["intitule"] = "Intitulé modifié"
    data["etapes-0-libelle"] = "Une étape qui ne doit pas être enregistrée"
    data.update(modifications)

    response = client.post(url("modifier", action), avec_les_lignes_ajoutees(data))

    assert response.status_code == 200
    html = texte(response)
    assert message in html
    assert "La fiche n'a pas été enregistrée" in html
    assert saisie in html  # what the user typed is still there
    assert 'value="Une étape qui ne doit pas être enregistrée"' in html
    action.refresh_from_db()
    assert action.intitule == "Visites de convivialité"
    assert action.version == 1
    assert not action.etapes.exists()
    assert not action.lignes_budget.exists() and not action.indicateurs.exists()


def test_a_partner_chosen_twice_is_refused(client, agent, action):
    partenaire = PartenaireFactory(nom="CCAS voisin")
    ActionPartenaireFactory(action=action, partenaire=partenaire)
    client.force_login(agent)
    data = _formulaire_valide(client, action)
    data["partenaires-1-partenaire"] = str(partenaire.pk)
    data["partenaires-2-nouveau_partenaire"] = "Nouvelle association"
    data["intitule"] = "Intitulé modifié"

    response = client.post(url("modifier", action), avec_les_lignes_ajoutees(data))

    assert response.status_code == 200
    assert "Ce partenaire est déjà choisi plus haut : indiquez-le une seule fois." in texte(
        response
    )
    assert "Un partenaire est choisi deux fois." in texte(response)
    assert action.participations.count() == 1
    assert not Partenaire.objects.filter(nom="Nouvelle association").exists()
    action.refresh_from_db()
    assert action.intitule == "Visites de convivialité"


def test_a_new_partner_typed_twice_or_already_known_is_handled(client, agent, action):
    PartenaireFactory(nom="Secours populaire")
    client.force_login(agent)
    data = _formulaire_valide(client, action)
    data["partenaires-0-nouveau_partenaire"] = "secours POPULAIRE"  # already in the directory
    response = client.post(url("modifier", action), avec_les_lignes_ajoutees(data))
    assert response.status_code == 302
    assert Partenaire.objects.filter(nom__iexact="secours populaire").count() == 1
    assert action.participations.get().partenaire.nom == "Secours populaire"

    data = _formulaire_valide(client, action)
    data["partenaires-1-nouveau_partenaire"] = "Épicerie solidaire"
    data["partenaires-2-nouveau_partenaire"] = "épicerie SOLIDAIRE"
    response = client.post(url("modifier", action), avec_les_lignes_ajoutees(data))
    assert response.status_code == 200
    assert "Ce partenaire est déjà choisi plus haut" in texte(response)
    assert not Partenaire.objects.filter(nom__iexact="épicerie solidaire").exists()


def test_partner_row_needs_a_partner(client, agent, action):
    client.force_login(agent)
    data = _formulaire_valide(client, action)
    data["partenaires-0-role"] = RolePartenaire.RELAIS  # a row started, no partner
    response = client.post(url("modifier", action), avec_les_lignes_ajoutees(data))
    assert response.status_code == 200
    assert (
        "Choisissez un partenaire dans l&#x27;annuaire ou saisissez le nom d&#x27;un nouveau"
        in texte(response)
    )


def test_deleting_a_row_with_the_delete_checkbox(client, agent, action):
    ActionPartenaireFactory(action=action)
    IndicateurFactory(action=action)
    client.force_login(agent)
    data = _formulaire_valide(client, action)
    data["partenaires-0-DELETE"] = "on"
    data["indicateurs-0-DELETE"] = "on"
    assert client.post(url("modifier", action), avec_les_lignes_ajoutees(data)).status_code == 302
    assert not action.participations.exists() and not action.indicateurs.exists()


def test_pilote_saves_their_fiche(client, pilote, action):
    client.force_login(pilote)
    data = _formulaire_valide(client, action)
    data["description"] = "Décrite par la pilote"
    assert client.post(url("modifier", action), avec_les_lignes_ajoutees(data)).status_code == 302
    action.refresh_from_db()
    assert action.description == "Décrite par la pilote"
    assert action.updated_by == pilote


# --- Two agents, one fiche -----------------------------------------------------------------


def test_second_save_of_the_same_version_is_refused_then_accepted(client, action):
    premier = AgentFactory(username="agent-1", first_name="Agent", last_name="CCAS")
    second = AgentFactory(username="agent-2", first_name="Bernard", last_name="Second")
    onglet_2 = client.__class__()
    client.force_login(premier)
    onglet_2.force_login(second)
    data_1 = _formulaire_valide(client, action)
    data_2 = _formulaire_valide(onglet_2, action)
    assert data_1["version"] == data_2["version"] == "1"

    data_1["intitule"] = "Visites à domicile"
    assert client.post(url("modifier", action), avec_les_lignes_ajoutees(data_1)).status_code == 302

    data_2["intitule"] = "Visites et appels de convivialité"
    data_2["statut"] = StatutAction.EN_COURS
    data_2["indicateurs-0-libelle"] = "Appels passés"
    refus = onglet_2.post(url("modifier", action), avec_les_lignes_ajoutees(data_2))

    assert refus.status_code == 409
    html = texte(refus)
    derniere = action.history.order_by("-history_id").first()
    quand = timezone.localtime(derniere.history_date)
    assert (
        f"Cette fiche action a été enregistrée par Agent CCAS le {quand:%d/%m/%Y} à "
        f"{quand:%H:%M} pendant que vous la modifiiez. Rien n'a été enregistré de votre côté : "
        "vos saisies sont conservées ci-dessous. Comparez-les avec ce qui a été enregistré, "
        "puis enregistrez à nouveau pour les confirmer."
    ) in html.replace("&#x27;", "'")
    # The second agent's input is still in the form, and the form carries the new version.
    assert 'value="Visites et appels de convivialité"' in html
    assert 'value="Appels passés"' in html
    assert '<input type="hidden" name="version" value="2"' in html
    # What the first agent changed.
    assert (
        '<tr><th scope="row">Intitulé</th><td>Visites de convivialité</td>'
        "<td>Visites à domicile</td></tr>"
    ) in html
    # Nothing of the refused submission was saved.
    action.refresh_from_db()
    assert (action.intitule, action.statut, action.version) == (
        "Visites à domicile",
        StatutAction.A_LANCER,
        2,
    )
    assert not Indicateur.objects.filter(action=action).exists()

    # Having seen the conflict, the second agent saves again and knowingly overwrites.
    accepte = onglet_2.post(url("modifier", action), donnees_du_formulaire(refus))
    assert accepte.status_code == 302
    action.refresh_from_db()
    assert (action.intitule, action.statut, action.version) == (
        "Visites et appels de convivialité",
        StatutAction.EN_COURS,
        3,
    )
    assert action.updated_by == second
    assert action.indicateurs.get().libelle == "Appels passés"


def test_conflict_lists_rows_changed_in_between(client, action):
    premier = AgentFactory(username="agent-1", first_name="Agent", last_name="CCAS")
    second = AgentFactory(username="agent-2")
    onglet_2 = client.__class__()
    client.force_login(premier)
    onglet_2.force_login(second)
    data_1 = _formulaire_valide(client, action)
    data_2 = _formulaire_valide(onglet_2, action)
    data_1["etapes-0-libelle"] = "Étape ajoutée par l'agent 1"
    assert client.post(url("modifier", action), avec_les_lignes_ajoutees(data_1)).status_code == 302

    refus = onglet_2.post(url("modifier", action), avec_les_lignes_ajoutees(data_2))

    assert refus.status_code == 409
    assert "Étape « Étape ajoutée par l&#x27;agent 1 » : ajout" in texte(refus)
    assert action.etapes.count() == 1


# --- Moving, abandoning, deleting ----------------------------------------------------------


def test_move_keeps_numbers_unique(client, agent, action, objectif):
    cible = ObjectifFactory(axe=objectif.axe, numero=5)
    occupante = ActionFactory(objectif=cible, numero=1, intitule="Déjà là")
    client.force_login(agent)

    page = client.get(url("deplacer", action))
    assert "2.5 Objectif" in texte(page) and "(prochain numéro libre : 2)" in texte(page)

    refus = client.post(url("deplacer", action), {"objectif": cible.pk, "numero": "1"})
    assert refus.status_code == 200
    assert "Le numéro 2.5.1 est déjà pris par l&#x27;action « Déjà là »" in texte(refus)
    # The error summary names the error and links to its field, as on the other forms.
    assert "La fiche n'a pas été déplacée : 1 erreur à corriger" in texte(refus)
    assert 'href="#id_numero"' in refus.content.decode()
    action.refresh_from_db()
    assert action.objectif == objectif and action.numero == 1

    accepte = client.post(url("deplacer", action), {"objectif": cible.pk, "numero": ""})
    assert accepte.status_code == 302
    action.refresh_from_db()
    assert (action.objectif, action.numero, action.code) == (cible, 2, "2.5.2")
    assert action.version == 2
    occupante.refresh_from_db()
    assert occupante.numero == 1
    fiche = client.get(url("detail", action))
    assert "Fiche déplacée : l&#x27;action 2.3.1 devient l&#x27;action 2.5.2." in texte(fiche)
    assert "Objectif opérationnel : <del>" in _historique(client, action)


def test_move_only_to_an_objective_of_the_projet(client, agent, action, autre_projet_action):
    client.force_login(agent)
    response = client.post(
        url("deplacer", action), {"objectif": autre_projet_action.objectif.pk, "numero": ""}
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in texte(response)
    action.refresh_from_db()
    assert action.objectif.axe.projet != autre_projet_action.objectif.axe.projet


def test_abandon_requires_a_reason(client, agent, action):
    client.force_login(agent)
    assert client.get(url("abandonner", action)).status_code == 200
    action.refresh_from_db()
    assert action.statut == StatutAction.A_LANCER  # GET changes nothing

    refus = client.post(url("abandonner", action), {"motif_abandon": "   "})
    assert refus.status_code == 200
    assert "Indiquez le motif de l&#x27;abandon." in texte(refus)
    action.refresh_from_db()
    assert action.statut == StatutAction.A_LANCER

    accepte = client.post(url("abandonner", action), {"motif_abandon": "Reprise par le CDAS"})
    assert accepte.status_code == 302
    action.refresh_from_db()
    assert action.statut == StatutAction.ABANDONNEE
    assert action.motif_abandon == "Reprise par le CDAS"
    assert action.updated_by == agent
    fiche = texte(client.get(url("detail", action)))
    assert "Reprise par le CDAS" in fiche
    assert url("abandonner", action) not in fiche


def test_pilote_may_abandon_their_fiche(client, pilote, action):
    client.force_login(pilote)
    response = client.post(url("abandonner", action), {"motif_abandon": "Plus de bénévoles"})
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).statut == StatutAction.ABANDONNEE


def test_agent_cannot_delete(client, agent, action):
    client.force_login(agent)
    assert client.get(url("supprimer", action)).status_code == 403
    assert client.post(url("supprimer", action)).status_code == 403
    assert Action.objects.filter(pk=action.pk).exists()


def test_administrator_deletes_after_confirmation(client, action):
    EvaluationFactory(
        action=action, campagne=CampagneFactory(projet=action.objectif.axe.projet, annee=2024)
    )
    EvaluationFactory(
        action=action, campagne=CampagneFactory(projet=action.objectif.axe.projet, annee=2025)
    )
    client.force_login(AdministrateurFactory(username="admin-2", is_superuser=False))

    confirmation = client.get(url("supprimer", action))
    assert confirmation.status_code == 200
    assert "ainsi que 2 évaluations</strong>" in texte(confirmation)
    assert Action.objects.filter(pk=action.pk).exists()

    response = client.post(url("supprimer", action))
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:liste")
    assert not Action.objects.filter(pk=action.pk).exists()
    assert not Evaluation.objects.exists()
    assert not ActionPartenaire.objects.exists()


def test_creation_ignores_an_objective_of_another_projet(
    client, agent, objectif, autre_projet_action
):
    client.force_login(agent)
    response = client.get(reverse("actions:creer") + f"?objectif={autre_projet_action.objectif.pk}")
    assert response.status_code == 200
    assert response.context["form"]["objectif"].value() is None
    choix = [str(valeur) for valeur, _ in response.context["form"].fields["objectif"].choices]
    assert str(objectif.pk) in choix
    assert str(autre_projet_action.objectif.pk) not in choix


def test_a_number_taken_during_the_save_rolls_everything_back(client, agent, objectif, action):
    """Validation passed, then a concurrent save took the number: nothing is kept."""
    client.force_login(agent)
    data = donnees_du_formulaire(client.get(reverse("actions:creer") + f"?objectif={objectif.pk}"))
    data.update(intitule="Arrivée trop tard", numero="2")
    data["partenaires-0-nouveau_partenaire"] = "Partenaire créé pour rien"
    original = Action.save_versioned

    def prise_entre_temps(self, expected_version, **kwargs):
        ActionFactory(objectif=objectif, numero=2, intitule="Plus rapide")
        return original(self, expected_version, **kwargs)

    with mock.patch.object(Action, "save_versioned", prise_entre_temps):
        response = client.post(reverse("actions:creer"), avec_les_lignes_ajoutees(data))

    assert response.status_code == 200
    assert "une autre saisie a pris ce numéro" in texte(response)
    assert 'value="Arrivée trop tard"' in texte(response)
    assert not Action.objects.filter(intitule__in=["Arrivée trop tard", "Plus rapide"]).exists()
    assert not Partenaire.objects.filter(nom="Partenaire créé pour rien").exists()
