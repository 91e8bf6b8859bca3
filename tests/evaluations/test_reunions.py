"""The meetings: the concertation page, a meeting's page, recording and editing a meeting
(the réunion partenariale of a bilan annuel included)."""

import datetime
import html
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertContains

from axes.enums import StatutProjet
from evaluations.enums import TypeReunion
from evaluations.models import Reunion
from tests.actions.factories import PartenaireFactory
from tests.axes.factories import AxeFactory, ProjetSocialFactory
from tests.conflits import SANS_VERSION, changements_du_conflit, quand, sans_version, texte_lu
from tests.evaluations.factories import CampagneFactory, ReunionFactory
from tests.formulaires import lire_formulaire

CONCERTATION = reverse("evaluations:concertation")
CREER = reverse("evaluations:reunion_creer")


@pytest.fixture
def autre_projet(projet):
    """A closed plan: never the current one."""
    return ProjetSocialFactory(
        intitule="Ancien projet social", statut=StatutProjet.CLOS, annee_debut=2017, annee_fin=2020
    )


@pytest.fixture
def axes(projet):
    return [
        AxeFactory(projet=projet, numero=1, intitule="Accompagnement", couleur="#1f5f8b"),
        AxeFactory(projet=projet, numero=2, intitule="Lien social", couleur="#a34700"),
    ]


@pytest.fixture
def campagne(projet):
    return CampagneFactory(projet=projet, annee=2025)


@pytest.fixture
def campagne_close(projet):
    return CampagneFactory(projet=projet, annee=2024, close=True)


@pytest.fixture
def reunion(projet, axes):
    reunion = ReunionFactory(
        projet=projet,
        date=datetime.date(2023, 1, 26),
        intitule="Concertation – axe 1",
        lieu="Mairie, salle du conseil",
    )
    reunion.axes.set([axes[0]])
    return reunion


def url_detail(reunion) -> str:
    return reverse("evaluations:reunion", args=[reunion.pk])


def url_modifier(reunion) -> str:
    return reverse("evaluations:reunion_modifier", args=[reunion.pk])


def url_campagne(campagne) -> str:
    return reverse("evaluations:campagne", kwargs={"pk": campagne.pk})


def url_creer_bilan(campagne) -> str:
    return f"{CREER}?type=bilan_annuel&campagne={campagne.pk}"


def texte(response) -> str:
    """The page as a user reads it: tags removed, spaces collapsed."""
    sans_balises = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(sans_balises).split())


def messages_de(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def donnees(**valeurs) -> dict:
    """A valid POST for a concertation meeting, changed by ``valeurs``."""
    base = {
        "type": TypeReunion.CONCERTATION,
        "campagne": "",
        "date": "2023-03-30",
        "intitule": "Concertation – axe 3 : Inclusion",
        "lieu": "Mairie de Gouesnou",
        "nb_institutions": "2",
        "nb_associations": "2",
        "nb_techniciens": "1",
        "nb_benevoles": "1",
        "nb_elus": "1",
        "nb_usagers": "1",
        "compte_rendu": "Épicerie sociale proposée.",
    }
    base.update(valeurs)
    return {cle: valeur for cle, valeur in base.items() if valeur is not None}


# --- Roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("vue", ["concertation", "creer", "detail", "modifier"])
@pytest.mark.parametrize("methode", ["get", "post"])
def test_anonymous_is_sent_to_login(client, reunion, vue, methode):
    url = {
        "concertation": CONCERTATION,
        "creer": CREER,
        "detail": url_detail(reunion),
        "modifier": url_modifier(reunion),
    }[vue]
    response = getattr(client, methode)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_elu_reads_the_concertation_page_and_a_meeting_without_buttons(client, elu, reunion):
    client.force_login(elu)

    page = client.get(CONCERTATION)
    detail = client.get(url_detail(reunion))

    assert page.status_code == 200
    assert detail.status_code == 200
    assert "Concertation – axe 1" in texte(page)
    assert "Concertation – axe 1" in texte(detail)
    assert CREER not in page.content.decode()
    assert url_modifier(reunion) not in page.content.decode()
    assert url_modifier(reunion) not in detail.content.decode()
    assert "Modifier" not in texte(detail)


@pytest.mark.parametrize("vue", ["creer", "creer_bilan", "modifier"])
@pytest.mark.parametrize("methode", ["get", "post"])
def test_elu_may_not_create_or_edit(client, elu, reunion, campagne, vue, methode):
    url = {
        "creer": CREER,
        "creer_bilan": url_creer_bilan(campagne),
        "modifier": url_modifier(reunion),
    }[vue]
    client.force_login(elu)

    response = getattr(client, methode)(url, donnees() if methode == "post" else None)

    assert response.status_code == 403
    assert list(Reunion.objects.values_list("intitule", flat=True)) == ["Concertation – axe 1"]


def test_agent_sees_the_create_and_edit_buttons(client, agent, reunion):
    client.force_login(agent)

    page = client.get(CONCERTATION).content.decode()
    detail = client.get(url_detail(reunion)).content.decode()

    assert f"{CREER}?type=concertation" in page
    assert f'href="{url_modifier(reunion)}"' in detail


@pytest.mark.parametrize(
    ("vue", "methode"), [("detail", "get"), ("modifier", "get"), ("modifier", "post")]
)
def test_another_projets_meeting_is_not_found(client, agent, projet, autre_projet, vue, methode):
    ancienne = ReunionFactory(projet=autre_projet, intitule="Réunion d'un autre projet")
    url = url_detail(ancienne) if vue == "detail" else url_modifier(ancienne)
    client.force_login(agent)

    response = getattr(client, methode)(url, donnees() if methode == "post" else None)

    assert response.status_code == 404
    ancienne.refresh_from_db()
    assert ancienne.intitule == "Réunion d'un autre projet"


def test_read_only_pages_refuse_post(client, agent, reunion):
    client.force_login(agent)
    assert client.post(CONCERTATION).status_code == 405
    assert client.post(url_detail(reunion)).status_code == 405


# --- Concertation page -----------------------------------------------------------------------


@pytest.fixture
def quatre_concertations(projet, axes):
    """The four meetings of 2023, entered out of date order."""
    partenaire_cdas = PartenaireFactory(nom="CDAS du Finistère")
    partenaire_club = PartenaireFactory(nom="Club des aînés")
    partenaire_epicerie = PartenaireFactory(nom="Épicerie solidaire")
    comptes = {
        datetime.date(2023, 3, 30): (2, 2, 1, 1, 1, 1),  # 8
        datetime.date(2023, 1, 26): (2, 1, 2, 1, 1, 1),  # 8
        datetime.date(2023, 5, 11): (2, 1, 2, 1, 1, 0),  # 7
        datetime.date(2023, 2, 23): (1, 2, 1, 2, 1, 0),  # 7
    }
    reunions = {}
    for date, nombres in comptes.items():
        reunion = ReunionFactory(
            projet=projet,
            date=date,
            intitule=f"Concertation du {date:%d/%m}",
            **dict(zip(Reunion.CATEGORIES, nombres, strict=True)),
        )
        reunions[date] = reunion
    reunions[datetime.date(2023, 1, 26)].axes.set([axes[0]])
    reunions[datetime.date(2023, 2, 23)].axes.set(axes)
    reunions[datetime.date(2023, 1, 26)].partenaires.set([partenaire_epicerie, partenaire_cdas])
    reunions[datetime.date(2023, 2, 23)].partenaires.set([partenaire_club])
    return reunions


def test_concertation_page_totals_per_category_and_overall(
    client, elu, projet, autre_projet, campagne, quatre_concertations
):
    # Not counted: another projet's concertation and this projet's réunion partenariale.
    ReunionFactory(projet=autre_projet, nb_institutions=100, nb_usagers=100)
    ReunionFactory(
        projet=projet,
        type=TypeReunion.BILAN_ANNUEL,
        campagne=campagne,
        intitule="Réunion partenariale du Bilan 2025",
        nb_institutions=40,
    )
    client.force_login(elu)

    response = client.get(CONCERTATION)

    assert [reunion.intitule for reunion, _ in response.context["concertations"]] == [
        "Concertation du 26/01",
        "Concertation du 23/02",
        "Concertation du 30/03",
        "Concertation du 11/05",
    ]
    # institutions 2+1+2+2, associations 1+2+2+1, techniciens 2+1+1+2, bénévoles 1+2+1+1,
    # élus 1+1+1+1, usagers 1+0+1+0; overall 8+7+8+7.
    assert response.context["totaux_categories"] == [7, 6, 6, 5, 4, 2]
    assert response.context["totaux"]["total"] == 30
    assert response.context["totaux"]["nombre"] == 4
    assertContains(
        response,
        """<tfoot><tr>
          <th scope="row" colspan="3">Total des présences (4 réunions)</th>
          <td class="text-end fw-semibold">7</td><td class="text-end fw-semibold">6</td>
          <td class="text-end fw-semibold">6</td><td class="text-end fw-semibold">5</td>
          <td class="text-end fw-semibold">4</td><td class="text-end fw-semibold">2</td>
          <td class="text-end fw-bold">30</td>
        </tr></tfoot>""",
        html=True,
    )
    assert (
        "Le total compte des présences : une personne venue à plusieurs réunions est comptée "
        "une fois par réunion." in texte(response)
    )
    assert "du 26 janvier 2023 au 11 mai 2023, qui ont réuni 30 présences" in texte(response)


def test_concertation_row_shows_place_axes_with_colour_counts_and_partners(
    client, elu, quatre_concertations
):
    reunion = quatre_concertations[datetime.date(2023, 1, 26)]
    reunion.lieu = "Mairie, salle du conseil"
    reunion.save()
    client.force_login(elu)

    contenu = client.get(CONCERTATION).content.decode()

    ligne = re.search(r'<tr>\s*<td[^>]*><time datetime="2023-01-26">.*?</tr>', contenu, re.S).group(
        0
    )
    ligne_texte = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", ligne)).split())
    assert ligne_texte == (
        "26/01/2023 Concertation du 26/01 Mairie, salle du conseil "
        "Partenaires présents : CDAS du Finistère · Épicerie solidaire "
        "Axe 1 : Accompagnement 2 1 2 1 1 1 8"
    )
    assert f'<a href="{url_detail(reunion)}">Concertation du 26/01</a>' in ligne
    assert 'fill="#1f5f8b"' in ligne  # the axe's colour dot
    assert '<th scope="row"' in ligne
    assert ligne.count('class="text-end"') == 6  # the six categories, right-aligned


def test_concertation_table_is_accessible(client, elu, quatre_concertations):
    client.force_login(elu)

    contenu = client.get(CONCERTATION).content.decode()

    table = re.search(
        r'<table class="table table-sm align-middle table-concertation".*?</table>', contenu, re.S
    )
    table = table.group(0)
    assert '<caption class="caption-top">Réunions de concertation' in table
    assert table.count('<th scope="col"') == 10  # date, réunion, axes + 6 categories + total
    assert '<th scope="colgroup" colspan="7"' in table
    assert table.count('<th scope="row"') == 5  # 4 meetings + the totals row
    assert '<th scope="col" class="text-end">Bénévoles</th>' in table


def test_other_meetings_link_to_their_page_and_their_campaign(
    client, agent, projet, campagne_close
):
    bilan = ReunionFactory(
        projet=projet,
        type=TypeReunion.BILAN_ANNUEL,
        campagne=campagne_close,
        date=datetime.date(2025, 2, 4),
        intitule="Réunion partenariale – bilan 2024",
    )
    copil = ReunionFactory(
        projet=projet,
        type=TypeReunion.COMITE_PILOTAGE,
        date=datetime.date(2024, 6, 3),
        intitule="Comité de pilotage de juin",
    )
    client.force_login(agent)

    response = client.get(CONCERTATION)

    assert list(response.context["autres"]) == [copil, bilan]
    assert response.context["concertations"] == []
    contenu = response.content.decode()
    assert f'<a href="{url_detail(bilan)}">Réunion partenariale – bilan 2024</a>' in contenu
    assert f'<a href="{url_detail(copil)}">Comité de pilotage de juin</a>' in contenu
    assert f'<a href="{url_campagne(campagne_close)}">Bilan 2024</a>' in contenu
    assert "Aucune réunion de concertation n'est encore enregistrée" in texte(response)


def test_concertation_page_without_any_meeting(client, elu, projet):
    client.force_login(elu)

    response = client.get(CONCERTATION)

    assert response.status_code == 200
    assert "<table" not in response.content.decode()
    assert "Aucune réunion de concertation n'est encore enregistrée" in texte(response)
    assert "Aucune réunion partenariale de bilan annuel" in texte(response)


def test_concertation_query_count_does_not_grow(
    client, agent, projet, axes, campagne, django_assert_num_queries
):
    partenaires = [PartenaireFactory() for _ in range(3)]

    def ajouter(n: int) -> None:
        for i in range(n):
            reunion = ReunionFactory(projet=projet, date=datetime.date(2023, 1, 1 + i % 28))
            reunion.axes.set(axes)
            reunion.partenaires.set(partenaires)
        ReunionFactory(projet=projet, type=TypeReunion.BILAN_ANNUEL, campagne=campagne)

    client.force_login(agent)
    ajouter(3)
    # session, user, the plan's generation, user permissions, group permissions, projet
    # courant, concertation meetings, their axes (prefetch), their partners (prefetch), the
    # totals (one aggregate), the other meetings with their campaign
    with django_assert_num_queries(11):
        response = client.get(CONCERTATION)
    assert len(response.context["concertations"]) == 3
    ajouter(27)
    with django_assert_num_queries(11):
        response = client.get(CONCERTATION)
    assert len(response.context["concertations"]) == 30
    assert len(response.context["autres"]) == 2


# --- Meeting page ----------------------------------------------------------------------------


def test_meeting_page_shows_every_field(client, elu, projet, axes, campagne):
    cdas = PartenaireFactory(nom="CDAS du Finistère")
    club = PartenaireFactory(nom="Club des aînés")
    reunion = ReunionFactory(
        projet=projet,
        type=TypeReunion.BILAN_ANNUEL,
        campagne=campagne,
        date=datetime.date(2026, 1, 29),
        intitule="Réunion partenariale du Bilan 2025",
        lieu="Maison des solidarités Simone-Veil",
        nb_institutions=4,
        nb_associations=5,
        nb_techniciens=3,
        nb_benevoles=2,
        nb_elus=2,
        nb_usagers=1,
        compte_rendu="Bilan par axe.\nDécisions : <b>reconduire</b> l'épicerie.",
    )
    reunion.axes.set(axes)
    reunion.partenaires.set([club, cdas])
    client.force_login(elu)

    response = client.get(url_detail(reunion))

    lu = texte(response)
    contenu = response.content.decode()
    assert "Type Bilan annuel (réunion partenariale)" in lu
    assert "Date jeudi 29 janvier 2026" in lu
    assert "Lieu Maison des solidarités Simone-Veil" in lu
    assert "Campagne Bilan 2025 (ouverte)" in lu
    assert f'<a href="{url_campagne(campagne)}">Bilan 2025</a>' in contenu
    assert "Axes abordés Axe 1 : Accompagnement Axe 2 : Lien social" in lu
    assert 'fill="#a34700"' in contenu  # the axe's colour dot
    assert "Institutions 4 Associations 5 Techniciens 3 Bénévoles 2 Élus 2 Usagers 1 Total 17" in lu
    assert "Partenaires présents (2)" in lu
    partenaires = re.findall(r'<a href="/actions/partenaires/(\d+)/">([^<]+)</a>', contenu)
    assert partenaires == [(str(cdas.pk), "CDAS du Finistère"), (str(club.pk), "Club des aînés")]
    assert "Bilan par axe.<br>Décisions : &lt;b&gt;reconduire&lt;/b&gt; l&#x27;épicerie." in contenu
    assert "<b>reconduire</b>" not in contenu


def test_meeting_of_a_closed_campaign_is_read_only(client, agent, projet, campagne_close):
    reunion = ReunionFactory(
        projet=projet,
        type=TypeReunion.BILAN_ANNUEL,
        campagne=campagne_close,
        intitule="Réunion partenariale – bilan 2024",
    )
    client.force_login(agent)

    detail = client.get(url_detail(reunion))
    formulaire = client.get(url_modifier(reunion))
    envoi = client.post(
        url_modifier(reunion),
        donnees(type=TypeReunion.BILAN_ANNUEL, campagne=str(campagne_close.pk), intitule="Forcé"),
    )

    assert detail.status_code == 200
    assert url_modifier(reunion) not in detail.content.decode()
    assert "La campagne Bilan 2024 est close" in texte(detail)
    assert formulaire.status_code == 403
    assert envoi.status_code == 403
    reunion.refresh_from_db()
    assert reunion.intitule == "Réunion partenariale – bilan 2024"


# --- Creating and editing --------------------------------------------------------------------


def test_create_form_lists_the_projets_axes_and_the_directory_by_name(
    client, agent, projet, autre_projet, axes, campagne, campagne_close
):
    AxeFactory(projet=autre_projet, numero=1, intitule="Axe d'un autre projet")
    CampagneFactory(projet=autre_projet, annee=2019)
    for nom in ("Mairie", "Épicerie solidaire", "CDAS", "banque alimentaire"):
        PartenaireFactory(nom=nom)
    client.force_login(agent)

    response = client.get(CREER)

    form = response.context["form"]
    assert [libelle for _, libelle in form.fields["axes"].choices] == [
        "Axe 1 : Accompagnement",
        "Axe 2 : Lien social",
    ]
    assert [libelle for _, libelle in form.fields["partenaires"].choices] == [
        "banque alimentaire",
        "CDAS",
        "Épicerie solidaire",
        "Mairie",
    ]
    assert [libelle for _, libelle in form.fields["campagne"].choices] == [
        "Aucune (concertation, comité de pilotage)",
        "Bilan 2025",
    ]
    assert form["type"].value() == TypeReunion.CONCERTATION
    assert form["intitule"].value() == "Réunion de concertation"
    contenu = response.content.decode()
    assert 'type="date" name="date"' in contenu
    assert 'name="nb_usagers" value="0" min="0"' in contenu
    assert 'type="checkbox" name="axes"' in contenu
    assert "Axe d'un autre projet" not in contenu


def test_create_form_from_the_campaign_page_is_preselected(client, agent, projet, campagne):
    campagne.date_reunion = datetime.date(2026, 1, 29)
    campagne.save()
    client.force_login(agent)

    response = client.get(url_creer_bilan(campagne))

    form = response.context["form"]
    assert form["type"].value() == TypeReunion.BILAN_ANNUEL
    assert form["campagne"].value() == campagne.pk
    assert form["intitule"].value() == "Réunion partenariale du Bilan 2025"
    assert form["date"].value() == datetime.date(2026, 1, 29)
    assert f'<a class="btn btn-outline-secondary" href="{url_campagne(campagne)}">' in (
        response.content.decode()
    )


def test_agent_records_a_concertation_meeting(client, agent, projet, axes):
    cdas = PartenaireFactory(nom="CDAS du Finistère")
    client.force_login(agent)

    response = client.post(CREER, donnees(axes=[str(axes[1].pk)], partenaires=[str(cdas.pk)]))

    reunion = Reunion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url_detail(reunion)
    assert messages_de(response) == ["Réunion enregistrée."]
    assert reunion.projet == projet
    assert reunion.type == TypeReunion.CONCERTATION
    assert reunion.campagne is None
    assert reunion.date == datetime.date(2023, 3, 30)
    assert reunion.intitule == "Concertation – axe 3 : Inclusion"
    assert reunion.lieu == "Mairie de Gouesnou"
    assert [getattr(reunion, champ) for champ in Reunion.CATEGORIES] == [2, 2, 1, 1, 1, 1]
    assert list(reunion.axes.all()) == [axes[1]]
    assert list(reunion.partenaires.all()) == [cdas]
    assert reunion.compte_rendu == "Épicerie sociale proposée."
    # The save, then a record for the axes and one for the partners (simple-history records
    # each many-to-many change), all signed by the agent; the last one holds them all.
    historique = list(reunion.history.order_by("history_id"))
    assert [(h.history_type, h.history_user) for h in historique] == [
        ("+", agent),
        ("~", agent),
        ("~", agent),
    ]
    assert [a.axe_id for a in historique[-1].axes.all()] == [axes[1].pk]
    assert [p.partenaire_id for p in historique[-1].partenaires.all()] == [cdas.pk]


def test_agent_records_the_partnership_meeting_from_the_campaign_page(
    client, agent, projet, campagne
):
    client.force_login(agent)

    response = client.post(
        url_creer_bilan(campagne),
        donnees(
            type=TypeReunion.BILAN_ANNUEL,
            campagne=str(campagne.pk),
            intitule="Réunion partenariale du Bilan 2025",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == url_campagne(campagne)
    reunion = Reunion.objects.get()
    assert reunion.campagne == campagne
    assert reunion.type == TypeReunion.BILAN_ANNUEL
    assert messages_de(response) == ["Réunion enregistrée."]


def test_agent_edits_a_meeting(client, agent, reunion, axes):
    client.force_login(agent)

    formulaire = client.get(url_modifier(reunion))
    response = client.post(
        url_modifier(reunion),
        donnees(
            intitule="Concertation – axe 2",
            axes=[str(axes[1].pk)],
            nb_usagers="4",
            version=str(reunion.version),
        ),
    )

    assert formulaire.status_code == 200
    assert formulaire.context["form"]["intitule"].value() == "Concertation – axe 1"
    assert response.status_code == 302
    assert response["Location"] == url_detail(reunion)
    reunion.refresh_from_db()
    assert reunion.intitule == "Concertation – axe 2"
    assert reunion.nb_usagers == 4
    assert list(reunion.axes.all()) == [axes[1]]
    # The save, then the axe removed and the axe added (simple-history records each
    # many-to-many change): three records by the agent, the last one holding the new axe.
    assert reunion.history.filter(history_user=agent).count() == 3
    derniere = reunion.history.latest()
    assert derniere.history_user == agent
    assert derniere.intitule == "Concertation – axe 2"
    assert [a.axe_id for a in derniere.axes.all()] == [axes[1].pk]


def test_changing_the_partners_present_is_recorded_in_the_history(client, agent, reunion, axes):
    cdas, mairie, club = (
        PartenaireFactory(nom=nom) for nom in ("CDAS du Finistère", "Mairie", "Club des aînés")
    )
    reunion.partenaires.set([cdas, mairie])
    avant = reunion.history.latest()
    client.force_login(agent)

    data = lire_formulaire(client.get(url_modifier(reunion)))
    data["partenaires"] = [str(cdas.pk), str(club.pk)]

    response = client.post(url_modifier(reunion), data)

    assert response.status_code == 302
    apres = reunion.history.latest()
    assert apres.history_user == agent
    assert {p.partenaire_id for p in apres.partenaires.all()} == {cdas.pk, club.pk}
    assert {p.partenaire_id for p in avant.partenaires.all()} == {cdas.pk, mairie.pk}
    delta = apres.diff_against(avant, foreign_keys_are_objs=True)
    assert delta.changed_fields == ["partenaires"]
    (change,) = delta.changes
    assert [ligne["partenaire"] for ligne in change.old] == [cdas, mairie]
    assert [ligne["partenaire"] for ligne in change.new] == [cdas, club]


@pytest.mark.parametrize(
    ("url_de", "statut"),
    [
        (lambda c, autre: f"{CREER}?type=bilan_annuel&campagne={autre.pk}", 404),
        (lambda c, autre: f"{CREER}?type=bilan_annuel&campagne=abc", 404),
        (lambda c, autre: url_creer_bilan(c), 403),
    ],
    ids=["campagne-d-un-autre-projet", "campagne-illisible", "campagne-close"],
)
@pytest.mark.parametrize("methode", ["get", "post"])
def test_campaign_in_the_address_must_be_an_open_one_of_the_projet(
    client, agent, projet, autre_projet, campagne_close, url_de, statut, methode
):
    autre = CampagneFactory(projet=autre_projet, annee=2019)
    url = url_de(campagne_close, autre)
    client.force_login(agent)

    envoi = donnees(type=TypeReunion.BILAN_ANNUEL, campagne=str(campagne_close.pk))
    response = getattr(client, methode)(url, envoi if methode == "post" else None)

    assert response.status_code == statut
    assert not Reunion.objects.exists()


# --- Two agents, one meeting -----------------------------------------------------------------


def test_second_save_of_a_meeting_is_refused_then_accepted(deux_onglets, reunion, axes):
    onglet_1, onglet_2, premier, second = deux_onglets
    usagers = reunion.nb_usagers
    saisie_1 = lire_formulaire(onglet_1.get(url_modifier(reunion)))
    saisie_2 = lire_formulaire(onglet_2.get(url_modifier(reunion)))
    assert saisie_1["version"] == saisie_2["version"] == "1"
    saisie_1["axes"] = [str(axes[0].pk), str(axes[1].pk)]
    saisie_1["nb_usagers"] = "7"
    assert onglet_1.post(url_modifier(reunion), saisie_1).status_code == 302

    saisie_2["compte_rendu"] = "Compte rendu du second agent."
    refus = onglet_2.post(url_modifier(reunion), saisie_2)

    assert refus.status_code == 409
    enregistrement = reunion.history.latest()
    assert (
        "Enregistrement refusé : la réunion a changé entre-temps "
        f"Cette réunion a été enregistrée par Agent CCAS {quand(enregistrement.history_date)} "
        "pendant que vous la modifiiez. Rien n'a été enregistré de votre côté"
    ) in texte_lu(refus)
    assert changements_du_conflit(refus) == [
        ("Axes abordés", "Axe 1 : Accompagnement", "Axe 1 : Accompagnement, Axe 2 : Lien social"),
        ("Usagers", str(usagers), "7"),
    ]
    formulaire = lire_formulaire(refus)
    assert formulaire["compte_rendu"] == "Compte rendu du second agent."
    assert formulaire["version"] == "2"
    reunion.refresh_from_db()
    assert (reunion.nb_usagers, reunion.compte_rendu, reunion.version) == (7, "", 2)
    assert list(reunion.axes.all()) == axes

    # Having seen it, the second agent saves again: their input replaces the other's.
    assert onglet_2.post(url_modifier(reunion), formulaire).status_code == 302
    reunion.refresh_from_db()
    assert (reunion.nb_usagers, reunion.compte_rendu, reunion.version) == (
        usagers,
        "Compte rendu du second agent.",
        3,
    )
    assert list(reunion.axes.all()) == [axes[0]]


def test_a_meeting_posted_without_the_version_is_refused(client, agent, reunion):
    historique = reunion.history.count()
    client.force_login(agent)
    saisie = lire_formulaire(client.get(url_modifier(reunion)))
    saisie["intitule"] = "Intitulé forcé"

    response = client.post(url_modifier(reunion), sans_version(saisie))

    assert response.status_code == 200
    assert SANS_VERSION in texte(response)
    reunion.refresh_from_db()
    assert (reunion.intitule, reunion.version) == ("Concertation – axe 1", 1)
    assert reunion.history.count() == historique


# --- Bad input -------------------------------------------------------------------------------


@pytest.fixture
def cas_invalides(projet, autre_projet, campagne, campagne_close):
    axe_autre = AxeFactory(projet=autre_projet, numero=1)
    campagne_autre = CampagneFactory(projet=autre_projet, annee=2019)
    return {
        "negatif": (
            {"nb_benevoles": "-2"},
            "nb_benevoles",
            "Le nombre de participants ne peut pas être négatif.",
        ),
        "sans-nombre": (
            {"nb_elus": ""},
            "nb_elus",
            "Indiquez un nombre de participants (0 si personne).",
        ),
        "sans-date": ({"date": ""}, "date", "Indiquez la date de la réunion."),
        "date-illisible": ({"date": "30/02/2023"}, "date", "Saisissez une date valide."),
        "axe-d-un-autre-projet": (
            {"axes": [str(axe_autre.pk)]},
            "axes",
            "Cet axe n'appartient pas au projet social en cours.",
        ),
        "campagne-d-un-autre-projet": (
            {"type": TypeReunion.BILAN_ANNUEL, "campagne": str(campagne_autre.pk)},
            "campagne",
            "Choisissez une campagne ouverte du projet social en cours.",
        ),
        "campagne-close": (
            {"type": TypeReunion.BILAN_ANNUEL, "campagne": str(campagne_close.pk)},
            "campagne",
            "Choisissez une campagne ouverte du projet social en cours.",
        ),
        "bilan-sans-campagne": (
            {"type": TypeReunion.BILAN_ANNUEL, "campagne": ""},
            "campagne",
            "Choisissez la campagne du bilan annuel dont cette réunion est la réunion "
            "partenariale.",
        ),
        "concertation-avec-campagne": (
            {"type": TypeReunion.CONCERTATION, "campagne": str(campagne.pk)},
            "campagne",
            "Seule une réunion de bilan annuel se rattache à une campagne : laissez ce champ "
            "vide ou choisissez le type « Bilan annuel ».",
        ),
    }


CAS_INVALIDES = [
    "negatif",
    "sans-nombre",
    "sans-date",
    "date-illisible",
    "axe-d-un-autre-projet",
    "campagne-d-un-autre-projet",
    "campagne-close",
    "bilan-sans-campagne",
    "concertation-avec-campagne",
]


@pytest.mark.parametrize("cas", CAS_INVALIDES)
def test_bad_input_on_creation_saves_nothing_and_keeps_the_input(
    client, agent, projet, cas_invalides, cas
):
    valeurs, champ, message = cas_invalides[cas]
    client.force_login(agent)

    response = client.post(CREER, donnees(intitule="Ma réunion <à garder>", **valeurs))

    assert response.status_code == 200
    assert not Reunion.objects.exists()
    form = response.context["form"]
    assert form.errors == {champ: [message]}
    assert message in texte(response)
    assert "La réunion n'a pas été enregistrée" in texte(response)
    assert 'value="Ma réunion &lt;à garder&gt;"' in response.content.decode()
    assert response.context["form"]["lieu"].value() == "Mairie de Gouesnou"


@pytest.mark.parametrize("cas", CAS_INVALIDES)
def test_bad_input_on_edit_changes_nothing(client, agent, reunion, axes, cas_invalides, cas):
    valeurs, champ, message = cas_invalides[cas]
    historique = reunion.history.count()
    client.force_login(agent)

    response = client.post(
        url_modifier(reunion),
        donnees(intitule="Nouvel intitulé", version=str(reunion.version), **valeurs),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {champ: [message]}
    assert "Modifier « Concertation – axe 1 »" in texte(response)
    reunion.refresh_from_db()
    assert reunion.intitule == "Concertation – axe 1"
    assert list(reunion.axes.all()) == [axes[0]]
    assert reunion.history.count() == historique


@pytest.mark.parametrize(
    ("type_demande", "intitule", "campagne_proposee"),
    [
        ("bilan_annuel", "Réunion partenariale du Bilan 2025", True),
        ("comite_pilotage", "Comité de pilotage", False),
        ("inconnu", "Réunion de concertation", False),
    ],
)
def test_create_form_starts_from_the_type_in_the_address(
    client, agent, projet, campagne, campagne_close, type_demande, intitule, campagne_proposee
):
    client.force_login(agent)

    form = client.get(CREER, {"type": type_demande}).context["form"]

    attendu = type_demande if type_demande in TypeReunion.values else TypeReunion.CONCERTATION
    assert form["type"].value() == attendu
    assert form["intitule"].value() == intitule
    # A bilan annuel meeting is proposed for the latest open campaign (never the closed one).
    assert form["campagne"].value() == (campagne.pk if campagne_proposee else None)
