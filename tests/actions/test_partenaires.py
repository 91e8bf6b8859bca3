"""The partners directory: list, detail, create/edit, merge of duplicates."""

import html
import re
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse

from actions.enums import RolePartenaire, StatutAction, TypePartenaire
from actions.forms.partenaires import NOM_DEJA_PRIS
from actions.models import ActionPartenaire, LigneBudget, Partenaire
from actions.services import PartenaireDisparu, fusionner_partenaires
from axes.enums import StatutProjet
from evaluations.models import Reunion
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    LigneBudgetFactory,
    PartenaireFactory,
)
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.conflits import (
    SANS_VERSION,
    changements_du_conflit,
    colonnes_du_conflit,
    sans_version,
    texte_lu,
)
from tests.evaluations.factories import ReunionFactory
from tests.formulaires import lire_formulaire

LISTE = reverse("actions:partenaires")
CREER = reverse("actions:partenaire_creer")


@pytest.fixture
def autre_projet(projet):
    """A closed plan: never the current one."""
    return ProjetSocialFactory(statut=StatutProjet.CLOS, annee_debut=2017, annee_fin=2020)


@pytest.fixture
def partenaire(db):
    return PartenaireFactory(nom="Banque alimentaire du Finistère")


def url_detail(partenaire) -> str:
    return reverse("actions:partenaire", args=[partenaire.pk])


def url_modifier(partenaire) -> str:
    return reverse("actions:partenaire_modifier", args=[partenaire.pk])


def url_fusionner(partenaire) -> str:
    return reverse("actions:partenaire_fusionner", args=[partenaire.pk])


def noms(response) -> list[str]:
    return [p.nom for p in response.context["page"].object_list]


def texte(response) -> str:
    """The page as a user reads it: tags removed, spaces collapsed."""
    sans_balises = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(sans_balises).split())


def messages_de(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("vue", ["liste", "creer", "detail", "modifier", "fusionner"])
@pytest.mark.parametrize("methode", ["get", "post"])
def test_anonymous_is_sent_to_login(client, projet, partenaire, vue, methode):
    url = {
        "liste": LISTE,
        "creer": CREER,
        "detail": url_detail(partenaire),
        "modifier": url_modifier(partenaire),
        "fusionner": url_fusionner(partenaire),
    }[vue]
    response = getattr(client, methode)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_elu_reads_list_and_detail_without_edit_buttons(client, elu, projet, partenaire):
    client.force_login(elu)

    liste = client.get(LISTE)
    detail = client.get(url_detail(partenaire))

    assert liste.status_code == 200
    assert detail.status_code == 200
    assert "Banque alimentaire du Finistère" in liste.content.decode()
    assert "Nouveau partenaire" not in liste.content.decode()
    assert CREER not in liste.content.decode()
    assert url_modifier(partenaire) not in detail.content.decode()
    assert url_fusionner(partenaire) not in detail.content.decode()


@pytest.mark.parametrize("vue", ["creer", "modifier", "fusionner"])
@pytest.mark.parametrize("methode", ["get", "post"])
def test_elu_may_not_create_edit_or_merge(client, elu, projet, partenaire, vue, methode):
    autre = PartenaireFactory(nom="CDAS")
    url = {
        "creer": CREER,
        "modifier": url_modifier(partenaire),
        "fusionner": url_fusionner(partenaire),
    }[vue]
    donnees = {"nom": "Nouveau nom", "type": TypePartenaire.AUTRE, "garder": autre.pk}
    client.force_login(elu)

    response = getattr(client, methode)(url, donnees if methode == "post" else None)

    assert response.status_code == 403
    assert sorted(Partenaire.objects.values_list("nom", flat=True)) == [
        "Banque alimentaire du Finistère",
        "CDAS",
    ]


def test_agent_sees_the_edit_buttons(client, agent, projet, partenaire):
    client.force_login(agent)
    assert CREER in client.get(LISTE).content.decode()
    detail = client.get(url_detail(partenaire)).content.decode()
    assert url_modifier(partenaire) in detail
    assert url_fusionner(partenaire) in detail


def test_mutating_views_refuse_other_methods(client, agent, projet, partenaire):
    client.force_login(agent)
    assert client.put(url_modifier(partenaire)).status_code == 405
    assert client.delete(url_fusionner(partenaire)).status_code == 405
    assert client.post(LISTE).status_code == 405
    assert client.post(url_detail(partenaire)).status_code == 405


# --- List ------------------------------------------------------------------------------------


def test_list_is_sorted_by_name_and_counts_actions_of_the_current_projet(
    client, agent, projet, autre_projet, objectif
):
    cdas = PartenaireFactory(nom="CDAS de Brest", type=TypePartenaire.INSTITUTION)
    PartenaireFactory(nom="Association Les Amis", type=TypePartenaire.ASSOCIATION)
    for numero in (1, 2):
        ActionPartenaireFactory(
            partenaire=cdas, action=ActionFactory(objectif=objectif, numero=numero)
        )
    ancien = ObjectifFactory(axe=AxeFactory(projet=autre_projet))
    ActionPartenaireFactory(partenaire=cdas, action=ActionFactory(objectif=ancien))
    client.force_login(agent)

    response = client.get(LISTE)

    assert noms(response) == ["Association Les Amis", "CDAS de Brest"]
    assert [p.nb_actions for p in response.context["page"].object_list] == [0, 2]
    assert "2 partenaires" in response.content.decode()
    assert "Institution" in response.content.decode()


def test_search_is_accent_and_case_insensitive_on_name_and_contact(client, agent, projet):
    PartenaireFactory(nom="Épicerie sociale de Gouesnou")
    PartenaireFactory(nom="Mairie de Gouesnou", contact="Mme Dupré, service des sports")
    PartenaireFactory(nom="Coiffure Marianne")
    client.force_login(agent)

    assert noms(client.get(LISTE, {"q": "epicerie"})) == ["Épicerie sociale de Gouesnou"]
    assert noms(client.get(LISTE, {"q": "ÉPICERIE"})) == ["Épicerie sociale de Gouesnou"]
    assert noms(client.get(LISTE, {"q": "dupre"})) == ["Mairie de Gouesnou"]
    assert noms(client.get(LISTE, {"q": "gouesnou"})) == [
        "Épicerie sociale de Gouesnou",
        "Mairie de Gouesnou",
    ]
    vide = client.get(LISTE, {"q": "introuvable"})
    assert noms(vide) == []
    assert "Aucun partenaire ne correspond" in vide.content.decode()
    assert "0 partenaire correspondant à la recherche" in texte(vide)


def test_filter_by_type(client, agent, projet):
    PartenaireFactory(nom="Habitat 29", type=TypePartenaire.BAILLEUR_SOCIAL)
    PartenaireFactory(nom="Secours populaire", type=TypePartenaire.ASSOCIATION)
    PartenaireFactory(nom="Restos du cœur", type=TypePartenaire.ASSOCIATION)
    client.force_login(agent)

    response = client.get(LISTE, {"type": TypePartenaire.ASSOCIATION})

    assert noms(response) == ["Restos du cœur", "Secours populaire"]
    assert "2 partenaires correspondant à la recherche" in texte(response)
    assert noms(client.get(LISTE, {"type": TypePartenaire.ASSOCIATION, "q": "secours"})) == [
        "Secours populaire"
    ]


def test_unknown_type_is_explained_not_crashed(client, agent, projet, partenaire):
    client.force_login(agent)
    response = client.get(LISTE, {"type": "ovni"})
    assert response.status_code == 200
    assert "La recherche n'est pas valide" in response.content.decode()


def test_list_is_paginated_past_50(client, agent, projet):
    PartenaireFactory.create_batch(51)
    client.force_login(agent)

    premiere = client.get(LISTE, {"type": TypePartenaire.AUTRE})
    seconde = client.get(LISTE, {"type": TypePartenaire.AUTRE, "page": 2})

    assert len(noms(premiere)) == 50
    assert "51 partenaires" in premiere.content.decode()
    assert "?type=autre&amp;page=2" in premiere.content.decode()
    assert len(noms(seconde)) == 1
    assert set(noms(premiere)).isdisjoint(noms(seconde))


def test_list_query_count_does_not_grow(client, agent, projet, objectif, django_assert_num_queries):
    def ajouter(n: int) -> None:
        for _ in range(n):
            ActionPartenaireFactory(action=ActionFactory(objectif=objectif))

    client.force_login(agent)
    ajouter(3)
    # session, user, the plan's generation, user permissions, group permissions, projet
    # courant, count of partners (paginator), the page of partners with their number of
    # actions (a subquery in the same SELECT)
    with django_assert_num_queries(8):
        response = client.get(LISTE, {"q": "partenaire"})
    assert len(noms(response)) == 3
    ajouter(27)
    with django_assert_num_queries(8):
        response = client.get(LISTE, {"q": "partenaire"})
    assert len(noms(response)) == 30


def test_html_in_a_name_is_shown_as_text(client, agent, projet):
    PartenaireFactory(nom="<script>alert('x')</script> Asso")
    client.force_login(agent)

    response = client.get(LISTE)

    assert "<script>alert" not in response.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Asso" in response.content.decode()


# --- Detail ----------------------------------------------------------------------------------


def test_detail_shows_actions_with_role_budget_and_meetings_of_the_current_projet(
    client, elu, projet, autre_projet, objectif, partenaire
):
    partenaire.contact = "Responsable de l'antenne"
    partenaire.email = "antenne@example.org"
    partenaire.save()
    epicerie = ActionFactory(
        objectif=objectif, numero=1, intitule="Épicerie sociale", statut=StatutAction.EN_COURS
    )
    box = ActionFactory(
        objectif=objectif, numero=4, intitule="Box Marianne", statut=StatutAction.REALISEE
    )
    ActionPartenaireFactory(partenaire=partenaire, action=epicerie, role=RolePartenaire.CO_PILOTE)
    ActionPartenaireFactory(partenaire=partenaire, action=box, role=RolePartenaire.RELAIS)
    LigneBudgetFactory(
        action=epicerie, financeur=partenaire, libelle="Denrées", montant_prevu="1200.00"
    )
    reunion = ReunionFactory(projet=projet, intitule="Concertation n°2")
    reunion.partenaires.add(partenaire)
    ancien = ActionFactory(
        objectif=ObjectifFactory(axe=AxeFactory(projet=autre_projet)), intitule="Ancienne action"
    )
    ActionPartenaireFactory(partenaire=partenaire, action=ancien)
    ReunionFactory(projet=autre_projet, intitule="Vieille réunion").partenaires.add(partenaire)
    client.force_login(elu)

    response = client.get(url_detail(partenaire))

    content = response.content.decode()
    assert "<h1" in content and "Banque alimentaire du Finistère</h1>" in content
    assert "Responsable de l&#x27;antenne" in content
    assert "antenne@example.org" in content
    assert "Actions du projet (2)" in content
    assert [p.action.code for p in response.context["participations"]] == ["2.3.1", "2.3.4"]
    assert "Ancienne action" not in content
    assert "Vieille réunion" not in content
    assert "Concertation n°2" in content
    assert "Denrées" in content
    assert "1\xa0200,00 €" in content
    action_url = reverse("actions:detail", args=[epicerie.pk])
    assert f'<a href="{action_url}">Épicerie sociale</a>' in content
    assert '<span class="badge statut statut-en_cours">En cours</span>' in content
    assert '<span class="badge statut statut-realisee">Réalisée</span>' in content
    assert "<td>Co-pilote</td>" in content
    assert "<td>Relais</td>" in content


def test_detail_of_unknown_partner_is_404(client, agent, projet):
    client.force_login(agent)
    assert client.get(reverse("actions:partenaire", args=[999])).status_code == 404


def test_detail_query_count_does_not_grow(
    client, agent, projet, objectif, partenaire, django_assert_num_queries
):
    def ajouter(n: int) -> None:
        for _ in range(n):
            action = ActionFactory(objectif=objectif)
            ActionPartenaireFactory(action=action, partenaire=partenaire)
            LigneBudgetFactory(action=action, financeur=partenaire)
            ReunionFactory(projet=projet).partenaires.add(partenaire)

    client.force_login(agent)
    ajouter(3)
    # session, user, the plan's generation, user permissions, group permissions, partner,
    # projet courant, budget lines with their action, objective and axe, participations with
    # the same, meetings
    with django_assert_num_queries(10):
        response = client.get(url_detail(partenaire))
    assert len(response.context["participations"]) == 3
    ajouter(27)
    with django_assert_num_queries(10):
        response = client.get(url_detail(partenaire))
    assert len(response.context["participations"]) == 30
    assert len(response.context["financements"]) == 30
    assert len(response.context["reunions"]) == 30


# --- Create and edit -------------------------------------------------------------------------


def test_agent_creates_a_partner(client, agent, projet):
    client.force_login(agent)
    assert client.get(CREER).status_code == 200

    response = client.post(
        CREER,
        {
            "nom": "Sérigraphie Le Goff",
            "type": TypePartenaire.ENTREPRISE,
            "contact": "M. Le Goff",
            "email": "contact@example.org",
            "site": "https://example.org",
        },
        follow=True,
    )

    partenaire = Partenaire.objects.get(nom="Sérigraphie Le Goff")
    assert partenaire.type == TypePartenaire.ENTREPRISE
    assert response.redirect_chain == [(url_detail(partenaire), 302)]
    assert "Partenaire enregistré." in response.content.decode()
    assert '<a href="https://example.org">https://example.org</a>' in response.content.decode()


def test_create_form_has_a_label_for_every_field(client, agent, projet):
    client.force_login(agent)
    content = client.get(CREER).content.decode()
    for champ in ("nom", "type", "contact", "telephone", "email", "site"):
        assert f'for="id_{champ}"' in content
        assert f'id="id_{champ}"' in content
    assert 'aria-label="Fil d\'Ariane"' in content


def test_duplicate_name_is_refused_in_french_and_input_kept(client, agent, projet, partenaire):
    client.force_login(agent)

    response = client.post(
        CREER,
        {"nom": "Banque alimentaire du Finistère", "type": "association", "contact": "M. Kerébel"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["nom"] == [NOM_DEJA_PRIS]
    content = response.content.decode()
    assert NOM_DEJA_PRIS.replace("'", "&#x27;") in content
    assert 'value="Banque alimentaire du Finistère"' in content
    assert 'value="M. Kerébel"' in content
    assert Partenaire.objects.count() == 1


@pytest.mark.parametrize(
    "nom",
    [
        "banque alimentaire du finistère",
        "BANQUE ALIMENTAIRE DU FINISTERE",
        "Banque-Alimentaire du Finistere",
    ],
)
def test_name_differing_only_by_case_accents_or_hyphens_is_refused(
    client, agent, projet, partenaire, nom
):
    client.force_login(agent)

    response = client.post(CREER, {"nom": nom, "type": "autre"})

    assert "Le partenaire « Banque alimentaire du Finistère » existe déjà" in (
        html.unescape(response.content.decode())
    )
    assert response.context["form"]["nom"].value() == nom  # the input is kept
    assert Partenaire.objects.count() == 1


def test_two_partners_of_the_same_name_cannot_be_saved_even_at_once(partenaire):
    """What the form checks, the database holds: two requests that both checked before
    either saved cannot create the same partner twice."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Partenaire.objects.create(nom="BANQUE ALIMENTAIRE DU FINISTERE")


def test_a_creation_losing_the_race_keeps_the_input_with_a_french_error(
    client, agent, projet, monkeypatch
):
    """The form checked, then a colleague saved the same name before this save."""
    client.force_login(agent)
    from actions.models import Partenaire as Modele

    clean = Modele.clean

    def clean_puis_collegue(self):
        clean(self)
        if not Modele.objects.filter(nom="Epicerie solidaire").exists():
            Modele.objects.create(nom="Epicerie solidaire")

    monkeypatch.setattr(Modele, "clean", clean_puis_collegue)

    response = client.post(CREER, {"nom": "Épicerie solidaire", "type": "autre"})

    assert response.status_code == 409
    assert "existe déjà" in html.unescape(response.content.decode())
    assert response.context["form"]["nom"].value() == "Épicerie solidaire"
    assert Partenaire.objects.filter(nom_normalise="epicerie solidaire").count() == 1


def test_too_long_name_and_bad_email_are_refused_in_french(client, agent, projet):
    client.force_login(agent)

    response = client.post(CREER, {"nom": "x" * 201, "type": "autre", "email": "pas-un-courriel"})

    errors = response.context["form"].errors
    assert "au plus 200 caractères" in errors["nom"][0]
    assert errors["email"] == ["Saisissez une adresse de courriel valide."]
    assert not Partenaire.objects.exists()


def test_agent_edits_a_partner(client, agent, projet, partenaire):
    client.force_login(agent)
    assert client.get(url_modifier(partenaire)).status_code == 200

    response = client.post(
        url_modifier(partenaire),
        {
            "nom": "Banque alimentaire 29",
            "type": TypePartenaire.ASSOCIATION,
            "telephone": "02 98 00 00 00",
            "version": str(partenaire.version),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url_detail(partenaire)
    partenaire.refresh_from_db()
    assert partenaire.nom == "Banque alimentaire 29"
    assert partenaire.telephone == "02 98 00 00 00"
    assert messages_de(response) == ["Partenaire enregistré."]


def test_edit_to_a_taken_name_keeps_input_and_saves_nothing(client, agent, projet, partenaire):
    PartenaireFactory(nom="CCAS de Guipavas")
    client.force_login(agent)

    response = client.post(
        url_modifier(partenaire), {"nom": "CCAS de Guipavas", "type": "institution"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["nom"] == [NOM_DEJA_PRIS]
    assert 'value="CCAS de Guipavas"' in response.content.decode()
    # The page still names the partner as stored, not the refused input.
    assert '<h1 class="h2">Modifier « Banque alimentaire du Finistère »</h1>' in (
        response.content.decode()
    )
    partenaire.refresh_from_db()
    assert partenaire.nom == "Banque alimentaire du Finistère"
    assert partenaire.type == TypePartenaire.AUTRE


# --- Two agents, one partner -----------------------------------------------------------------


def test_second_save_of_a_partner_is_refused_then_accepted(deux_onglets, projet, partenaire):
    onglet_1, onglet_2, premier, second = deux_onglets
    saisie_1 = lire_formulaire(onglet_1.get(url_modifier(partenaire)))
    saisie_2 = lire_formulaire(onglet_2.get(url_modifier(partenaire)))
    assert saisie_1["version"] == saisie_2["version"] == "1"
    saisie_1["telephone"] = "02 98 11 11 11"
    assert onglet_1.post(url_modifier(partenaire), saisie_1).status_code == 302

    saisie_2["contact"] = "Accueil du lundi"
    refus = onglet_2.post(url_modifier(partenaire), saisie_2)

    assert refus.status_code == 409
    # The directory keeps no history of partners: who saved is not known, what differs is.
    assert (
        "Enregistrement refusé : le partenaire a changé entre-temps "
        "Ce partenaire a été enregistré par quelqu'un d'autre pendant que vous le modifiiez. "
        "Rien n'a été enregistré de votre côté : vos saisies sont conservées ci-dessous."
    ) in texte_lu(refus)
    assert colonnes_du_conflit(refus) == ["Champ", "Votre saisie", "Enregistré entre-temps"]
    assert changements_du_conflit(refus) == [
        ("Contact", "Accueil du lundi", "(vide)"),
        ("Téléphone", "(vide)", "02 98 11 11 11"),
    ]
    formulaire = lire_formulaire(refus)
    assert (formulaire["contact"], formulaire["version"]) == ("Accueil du lundi", "2")
    partenaire.refresh_from_db()
    assert (partenaire.telephone, partenaire.contact, partenaire.version) == (
        "02 98 11 11 11",
        "",
        2,
    )

    # Having seen it, the second agent types the number too and saves knowingly.
    formulaire["telephone"] = "02 98 11 11 11"
    assert onglet_2.post(url_modifier(partenaire), formulaire).status_code == 302
    partenaire.refresh_from_db()
    assert (partenaire.telephone, partenaire.contact, partenaire.version) == (
        "02 98 11 11 11",
        "Accueil du lundi",
        3,
    )


def test_a_partner_posted_without_the_version_is_refused(client, agent, projet, partenaire):
    client.force_login(agent)
    saisie = lire_formulaire(client.get(url_modifier(partenaire)))
    saisie["nom"] = "Banque alimentaire 29"

    response = client.post(url_modifier(partenaire), sans_version(saisie))

    assert response.status_code == 200
    assert SANS_VERSION in texte_lu(response)
    partenaire.refresh_from_db()
    assert (partenaire.nom, partenaire.version) == ("Banque alimentaire du Finistère", 1)


def test_a_merge_bumps_the_version_of_the_partner_kept(projet):
    garde = PartenaireFactory(nom="CDAS de Brest")
    doublon = PartenaireFactory(nom="CDAS Brest", telephone="02 98 00 00 00")

    fusionner_partenaires(doublon, garde)

    garde.refresh_from_db()
    assert (garde.telephone, garde.version) == ("02 98 00 00 00", 2)


# --- Merge -----------------------------------------------------------------------------------


@pytest.fixture
def doublons(projet, objectif):
    """Two entries for the same partner, and one unrelated partner, all in use."""
    garde = PartenaireFactory(nom="CDAS de Brest", email="cdas@example.org")
    doublon = PartenaireFactory(
        nom="C.D.A.S. Brest", contact="Mme Le Bris", email="autre@example.org", telephone="02 98"
    )
    autre = PartenaireFactory(nom="Mairie")
    a1, a2, a3, a4 = (ActionFactory(objectif=objectif, numero=n) for n in (1, 2, 3, 4))
    # a1: only the duplicate; a2: both, the duplicate's role is stronger;
    # a3: both, the kept partner's role is stronger; a4: only the kept partner.
    ActionPartenaireFactory(action=a1, partenaire=doublon, role=RolePartenaire.CONTRIBUTEUR)
    ActionPartenaireFactory(action=a2, partenaire=doublon, role=RolePartenaire.CO_PILOTE)
    ActionPartenaireFactory(action=a2, partenaire=garde, role=RolePartenaire.RELAIS)
    ActionPartenaireFactory(action=a3, partenaire=doublon, role=RolePartenaire.RELAIS)
    ActionPartenaireFactory(action=a3, partenaire=garde, role=RolePartenaire.FINANCEUR)
    ActionPartenaireFactory(action=a4, partenaire=garde, role=RolePartenaire.CONTRIBUTEUR)
    ActionPartenaireFactory(action=a1, partenaire=autre, role=RolePartenaire.RELAIS)
    LigneBudgetFactory(action=a1, financeur=doublon, libelle="Subvention du doublon")
    LigneBudgetFactory(action=a2, financeur=garde, libelle="Subvention déjà au bon nom")
    LigneBudgetFactory(action=a2, financeur=None, libelle="Fonds propres")
    seul = ReunionFactory(projet=projet, intitule="Concertation 1")
    seul.partenaires.add(doublon)
    ensemble = ReunionFactory(projet=projet, intitule="Concertation 2")
    ensemble.partenaires.add(doublon, garde)
    sans = ReunionFactory(projet=projet, intitule="Concertation 3")
    sans.partenaires.add(autre)
    return {
        "garde": garde,
        "doublon": doublon,
        "autre": autre,
        "actions": (a1, a2, a3, a4),
        "reunions": (seul, ensemble, sans),
    }


def roles_sur(action) -> dict[str, str]:
    return dict(action.participations.values_list("partenaire__nom", "role"))


def test_merge_page_offers_the_other_partners_and_lists_what_moves(client, agent, doublons):
    doublon, garde = doublons["doublon"], doublons["garde"]
    client.force_login(agent)

    response = client.get(url_fusionner(doublon))

    assert response.status_code == 200
    choix = list(response.context["form"].fields["garder"].queryset)
    assert doublon not in choix
    assert garde in choix and doublons["autre"] in choix
    content = response.content.decode()
    assert "Participations aux actions (3)" in content
    assert "Lignes de budget financées (1)" in content
    assert "Subvention du doublon" in content
    assert "Présences aux réunions (2)" in content
    assert 'for="id_garder"' in content
    assert 'method="post"' not in content.split("<main", 1)[1]  # no merge before a choice


def test_merge_preview_shows_the_role_kept_and_contacts_filled(client, agent, doublons):
    doublon, garde = doublons["doublon"], doublons["garde"]
    client.force_login(agent)

    response = client.get(url_fusionner(doublon), {"garder": garde.pk})

    content = response.content.decode()
    assert "déjà partenaire : rôle retenu Co-pilote" in content
    assert "déjà partenaire : rôle retenu Financeur" in content
    assert "rattachée" in content
    assert "Contact : Mme Le Bris" in content
    assert "Téléphone : 02 98" in content
    assert "autre@example.org</li>" not in content  # the kept partner has an email already
    assert "Fusionner « C.D.A.S. Brest » dans « CDAS de Brest »" in content
    assert Partenaire.objects.filter(pk=doublon.pk).exists()  # a preview changes nothing


def test_merge_moves_everything_and_deletes_the_duplicate(client, agent, doublons):
    doublon, garde, autre = doublons["doublon"], doublons["garde"], doublons["autre"]
    a1, a2, a3, a4 = doublons["actions"]
    seul, ensemble, sans = doublons["reunions"]
    nb_lignes = LigneBudget.objects.count()
    client.force_login(agent)

    response = client.post(url_fusionner(doublon), {"garder": garde.pk}, follow=True)

    assert response.redirect_chain == [(url_detail(garde), 302)]
    assert "« C.D.A.S. Brest » a été fusionné dans « CDAS de Brest »." in response.content.decode()
    assert not Partenaire.objects.filter(pk=doublon.pk).exists()
    assert set(Partenaire.objects.all()) == {garde, autre}
    # Participations: 7 rows, the 2 shared actions keep one row each, the strongest role.
    assert ActionPartenaire.objects.count() == 5
    assert roles_sur(a1) == {"CDAS de Brest": "contributeur", "Mairie": "relais"}
    assert roles_sur(a2) == {"CDAS de Brest": "co_pilote"}
    assert roles_sur(a3) == {"CDAS de Brest": "financeur"}
    assert roles_sur(a4) == {"CDAS de Brest": "contributeur"}
    # Budget lines: none lost, the duplicate's financing now on the kept partner.
    assert LigneBudget.objects.count() == nb_lignes
    assert dict(LigneBudget.objects.values_list("libelle", "financeur")) == {
        "Subvention du doublon": garde.pk,
        "Subvention déjà au bon nom": garde.pk,
        "Fonds propres": None,
    }
    # Meetings: the kept partner attended both, once; the third is untouched.
    assert list(seul.partenaires.all()) == [garde]
    assert list(ensemble.partenaires.all()) == [garde]
    assert list(sans.partenaires.all()) == [autre]
    assert Reunion.objects.count() == 3
    # Empty contact fields filled, filled ones kept.
    garde.refresh_from_db()
    assert garde.contact == "Mme Le Bris"
    assert garde.telephone == "02 98"
    assert garde.email == "cdas@example.org"


def test_merge_is_recorded_in_the_history(client, agent, doublons):
    doublon, garde = doublons["doublon"], doublons["garde"]
    a1, a2, *_ = doublons["actions"]
    client.force_login(agent)

    client.post(url_fusionner(doublon), {"garder": garde.pk})

    raison = "Fusion du partenaire « C.D.A.S. Brest » dans « CDAS de Brest »"
    deplacee = ActionPartenaire.history.filter(action_id=a1.pk, history_change_reason=raison)
    assert [(h.history_type, h.partenaire_id, h.history_user) for h in deplacee] == [
        ("~", garde.pk, agent)
    ]
    fusionnees = ActionPartenaire.history.filter(action_id=a2.pk, history_change_reason=raison)
    assert sorted((h.history_type, h.partenaire_id, h.role) for h in fusionnees) == sorted(
        [("-", doublon.pk, "co_pilote"), ("~", garde.pk, "co_pilote")]
    )
    ligne = LigneBudget.history.get(history_change_reason=raison)
    assert (ligne.history_type, ligne.financeur_id, ligne.libelle) == (
        "~",
        garde.pk,
        "Subvention du doublon",
    )
    # The meetings the duplicate attended: their history holds the kept partner instead.
    seul, ensemble, sans = doublons["reunions"]
    for reunion in (seul, ensemble):
        derniere = reunion.history.latest()
        assert (derniere.history_change_reason, derniere.history_user) == (raison, agent)
        assert [p.partenaire_id for p in derniere.partenaires.all()] == [garde.pk]
    assert not sans.history.filter(history_change_reason=raison).exists()


@pytest.mark.parametrize(
    ("garder", "erreur"),
    [
        ("self", "Ce partenaire n'existe pas ou ne peut pas être choisi."),
        ("999999", "Ce partenaire n'existe pas ou ne peut pas être choisi."),
        ("", "Choisissez le partenaire à conserver."),
    ],
)
def test_merge_needs_another_existing_partner(client, agent, doublons, garder, erreur):
    doublon = doublons["doublon"]
    client.force_login(agent)

    response = client.post(
        url_fusionner(doublon), {"garder": doublon.pk if garder == "self" else garder}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["garder"] == [erreur]
    assert erreur in texte(response)
    assert Partenaire.objects.count() == 3
    assert ActionPartenaire.objects.filter(partenaire=doublon).count() == 3


def test_a_failed_merge_changes_nothing(doublons):
    doublon, garde = doublons["doublon"], doublons["garde"]

    with mock.patch.object(Partenaire, "delete", side_effect=RuntimeError("panne")):
        with pytest.raises(RuntimeError):
            fusionner_partenaires(doublon, garde)

    assert ActionPartenaire.objects.filter(partenaire=doublon).count() == 3
    assert ActionPartenaire.objects.count() == 7
    assert LigneBudget.objects.filter(financeur=doublon).count() == 1
    assert doublons["reunions"][0].partenaires.get() == doublon
    garde.refresh_from_db()
    assert garde.contact == ""


def test_two_crossed_merges_do_not_fail(client, agent, projet):
    """A into B and B into A, sent at once: the second finds its partner gone."""
    a = PartenaireFactory(nom="Mission locale")
    b = PartenaireFactory(nom="Mission locale du pays de Brest")
    fusionner_partenaires(a, b)  # the first merge wins

    client.force_login(agent)
    response = client.post(
        reverse("actions:partenaire_fusionner", args=[a.pk]), {"garder": b.pk}, follow=True
    )
    assert response.status_code == 404  # A is gone: its merge page too

    with pytest.raises(PartenaireDisparu, match="« Mission locale » n'existe plus"):
        fusionner_partenaires(b, a)
    assert Partenaire.objects.get().nom == "Mission locale du pays de Brest"
