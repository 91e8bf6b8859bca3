"""Exports from the pages' buttons (projet_social/views/exports.py, projet_social/tableur.py):
the list of actions with its filters, a review's evaluations and indicators, the directory
of partners; in XLSX and in CSV as French Excel opens them, read back as a spreadsheet would."""

import csv
import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from actions.enums import Priorite, RolePartenaire, SensIndicateur, StatutAction, TypePartenaire
from evaluations.enums import Appreciation
from projet_social import tableur
from projet_social.tableur import Feuille
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    IndicateurFactory,
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
from tests.factories_utilisateurs import AgentFactory, EluFactory, UserFactory

pytestmark = pytest.mark.django_db

# What a spreadsheet takes for the start of a formula (written out again here, so that the
# test does not trust the list it checks).
DANGEREUX = ("=", "+", "-", "@", "\t", "\r")
HYPERLIEN = '=HYPERLINK("http://x","y")'


def _aujourdhui() -> str:
    return timezone.localdate().isoformat()


# --- Reading the files back ----------------------------------------------------------------


def _nom_du_fichier(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    return disposition.split('filename="')[1].rstrip('"')


def _classeur(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response["Content-Type"] == tableur.TYPES_DE_CONTENU["xlsx"]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _cellules(feuille) -> list[list]:
    return [list(ligne) for ligne in feuille.iter_rows()]


def _valeurs(feuille) -> list[dict]:
    """The sheet's rows as {header: value}."""
    entetes, *lignes = feuille.iter_rows(values_only=True)
    return [dict(zip(entetes, ligne, strict=True)) for ligne in lignes]


def _csv(response) -> list[dict]:
    """The CSV's rows as {header: text}, after checking what French Excel needs."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    contenu = response.content
    assert contenu.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    texte = contenu.decode("utf-8-sig")
    lignes = texte.split("\r\n")
    assert lignes[-1] == ""  # each row, the last too, ends with \r\n
    entetes, *rangees = list(csv.reader(io.StringIO(texte, newline=""), delimiter=";"))
    return [dict(zip(entetes, rangee, strict=True)) for rangee in rangees]


def _entetes_csv(response) -> list[str]:
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _aucune_formule_xlsx(classeur) -> None:
    for feuille in classeur:
        for ligne in feuille.iter_rows():
            for cellule in ligne:
                assert cellule.data_type != "f", cellule.value
                if isinstance(cellule.value, str):
                    assert not cellule.value.startswith(DANGEREUX), cellule.value


def _aucune_formule_csv(response) -> None:
    texte = response.content.decode("utf-8-sig")
    for ligne in csv.reader(io.StringIO(texte, newline=""), delimiter=";"):
        for valeur in ligne:
            assert not valeur.startswith(DANGEREUX), valeur


# --- The plan the tests export ---------------------------------------------------------------


@pytest.fixture
def campagne(projet):
    """The latest review, open."""
    return CampagneFactory(projet=projet, annee=2025)


@pytest.fixture
def fiches(projet, objectif, action, campagne):
    """Fiche 2.3.1 (the fixture ``action``: piloted by Paule Pilote, late, evaluated 60 % in
    the open review, with a partner, a public, a need and an indicator measured), 2.3.2
    réalisée without a pilote, 2.3.3 en cours evaluated the year before only (carried
    forward), and 1.1.1 in another axe, to check the code order."""
    action.date_debut = datetime.date(2023, 9, 4)
    action.echeance = datetime.date(2024, 6, 30)
    action.statut = StatutAction.EN_COURS
    action.priorite = Priorite.HAUTE
    action.service_pilote = "CCAS – pôle seniors"
    action.elu_referent = "Adjointe aux solidarités"
    action.save()
    action.publics.add(PublicCibleFactory(libelle="Personnes isolées"))
    action.besoins.add(BesoinSocialFactory(projet=projet, thematique="Isolement"))
    ActionPartenaireFactory(
        action=action,
        partenaire=PartenaireFactory(nom="CDAS", type=TypePartenaire.INSTITUTION),
        role=RolePartenaire.CO_PILOTE,
    )
    indicateur = IndicateurFactory(
        action=action, libelle="Personnes visitées", unite="personnes", valeur_cible=40
    )
    evaluation = EvaluationFactory(
        campagne=campagne,
        action=action,
        taux_realisation=60,
        appreciation=Appreciation.PARTIELLEMENT_ATTEINT,
        realise="12 bénévoles formés.\r\nVisites hebdomadaires.",
        points_forts="Binômes stables.",
        nouvelle_echeance=datetime.date(2026, 12, 31),
    )
    MesureFactory(evaluation=evaluation, indicateur=indicateur, valeur_realisee=Decimal("30.5"))
    realisee = ActionFactory(
        objectif=objectif, numero=2, intitule="Café des aidants", realisee=True, pilote=None
    )
    reprise = ActionFactory(objectif=objectif, numero=3, intitule="Jardins partagés")
    precedente = CampagneFactory(projet=projet, annee=2024)
    EvaluationFactory(campagne=precedente, action=reprise, taux_realisation=30)
    premier = ObjectifFactory(axe=AxeFactory(projet=projet, numero=1), numero=1)
    autre_axe = ActionFactory(objectif=premier, numero=1, intitule="Permanences")
    return {
        "action": action,
        "realisee": realisee,
        "reprise": reprise,
        "autre_axe": autre_axe,
        "indicateur": indicateur,
        "evaluation": evaluation,
    }


def _liste(client, params=None) -> list[str]:
    """The codes the list shows, all its pages."""
    response = client.get(reverse("actions:liste"), params or {})
    return [action.code for action in response.context["page"].paginator.object_list]


# --- The list of actions ---------------------------------------------------------------------


def test_list_export_xlsx_has_the_lists_actions_in_code_order(client, elu, fiches, campagne):
    client.force_login(elu)

    response = client.get(reverse("actions:export_liste", args=["xlsx"]), {"tri": "-echeance"})

    assert _nom_du_fichier(response) == f"actions-{_aujourdhui()}.xlsx"
    classeur = _classeur(response)
    assert classeur.sheetnames == ["Actions"]
    feuille = classeur["Actions"]
    lignes = _valeurs(feuille)
    assert [ligne["Code"] for ligne in lignes] == sorted(
        _liste(client), key=lambda code: [int(n) for n in code.split(".")]
    )
    assert [ligne["Code"] for ligne in lignes] == ["1.1.1", "2.3.1", "2.3.2", "2.3.3"]
    ligne = lignes[1]
    action = fiches["action"]
    assert ligne == {
        "Code": "2.3.1",
        "Intitulé": action.intitule,
        "Axe": "Axe 2 : Lien social",
        "Objectif": "2.3 Rompre l’isolement",
        "Statut": "En cours",
        "Priorité": "Haute",
        "Pilote": "Paule Pilote",
        "Service pilote": "CCAS – pôle seniors",
        "Élu référent": "Adjointe aux solidarités",
        "Date de début": datetime.datetime(2023, 9, 4),
        "Échéance": datetime.datetime(2024, 6, 30),
        "En retard": "Oui",
        "Avancement (%)": 60,
        "Origine de l'avancement": "évaluée au Bilan 2025 (en cours de saisie)",
        "Partenaires": "CDAS (Co-pilote)",
        "Publics cibles": "Personnes isolées",
        "Besoins (ABS)": "Isolement",
    }
    realisee, reprise = lignes[2], lignes[3]
    assert (realisee["Pilote"], realisee["Avancement (%)"], realisee["En retard"]) == (
        None,
        100,
        "Non",
    )
    assert realisee["Origine de l'avancement"] == "réalisée"
    assert (reprise["Avancement (%)"], reprise["Origine de l'avancement"]) == (
        30,
        "repris du Bilan 2024",
    )
    # Real cells: dates and numbers, a bold frozen header, sized columns.
    entetes, premiere = _cellules(feuille)[:2]
    colonnes = [cellule.value for cellule in entetes]
    echeance = premiere[colonnes.index("Échéance")]
    assert (echeance.data_type, echeance.number_format) == ("d", "DD/MM/YYYY")
    assert premiere[colonnes.index("Avancement (%)")].data_type == "n"
    assert all(cellule.font.b for cellule in entetes)
    assert feuille.freeze_panes == "A2"
    largeurs = {
        entete: feuille.column_dimensions[cellule.column_letter].width
        for entete, cellule in zip(colonnes, entetes, strict=True)
    }
    assert largeurs["Intitulé"] > largeurs["Code"] >= tableur.LARGEUR_MIN


def test_list_export_csv_follows_the_filters(client, agent, fiches):
    client.force_login(agent)
    filtres = {"statut": [StatutAction.EN_COURS]}
    attendus = _liste(client, filtres)
    assert 0 < len(attendus) < len(_liste(client))

    response = client.get(reverse("actions:export_liste", args=["csv"]), filtres)

    assert _nom_du_fichier(response) == f"actions-{_aujourdhui()}.csv"
    lignes = _csv(response)
    assert [ligne["Code"] for ligne in lignes] == attendus
    assert _entetes_csv(response)[:4] == ["Code", "Intitulé", "Axe", "Objectif"]
    ligne = next(ligne for ligne in lignes if ligne["Code"] == "2.3.1")
    assert (ligne["Pilote"], ligne["Date de début"], ligne["Échéance"]) == (
        "Paule Pilote",
        "04/09/2023",
        "30/06/2024",
    )
    assert (ligne["En retard"], ligne["Avancement (%)"]) == ("Oui", "60")
    # The list's search and a filter reading the review give the same rows too.
    filtres = {"q": "jardins", "non_evaluee": "on"}
    response = client.get(reverse("actions:export_liste", args=["csv"]), filtres)
    assert [ligne["Code"] for ligne in _csv(response)] == _liste(client, filtres) == ["2.3.3"]


def test_mes_actions_export_has_only_the_users_fiches(client, fiches):
    elu = EluFactory(username="elu-referent")
    fiches["reprise"].elu_referent_compte = elu
    fiches["reprise"].save()
    client.force_login(elu)

    response = client.get(reverse("actions:export_mes_actions", args=["xlsx"]))

    assert _nom_du_fichier(response) == f"mes-actions-{_aujourdhui()}.xlsx"
    lignes = _valeurs(_classeur(response)["Actions"])
    attendus = [a.code for a in client.get(reverse("actions:mes_actions")).context["page"]]
    assert [ligne["Code"] for ligne in lignes] == attendus == ["2.3.3"]
    assert lignes[0]["Élu référent"] == "Prénom " + elu.last_name


def test_list_without_any_review(client, agent, objectif, action):
    client.force_login(agent)

    response = client.get(reverse("actions:export_liste", args=["csv"]))

    (ligne,) = _csv(response)
    assert (ligne["Avancement (%)"], ligne["Origine de l'avancement"]) == ("0", "non évaluée")


# --- Formulas ----------------------------------------------------------------------------


@pytest.fixture
def piege(objectif, action):
    action.intitule = "@SUM(1)"
    action.save()
    ActionPartenaireFactory(action=action, partenaire=PartenaireFactory(nom=HYPERLIEN))
    return action


@pytest.mark.parametrize("format_", tableur.FORMATS)
def test_no_cell_runs_as_a_formula(client, agent, piege, format_):
    client.force_login(agent)
    actions = client.get(reverse("actions:export_liste", args=[format_]))
    partenaires = client.get(reverse("actions:export_partenaires", args=[format_]))

    if format_ == "xlsx":
        _aucune_formule_xlsx(_classeur(actions))
        _aucune_formule_xlsx(_classeur(partenaires))
        (action,) = _valeurs(_classeur(actions)["Actions"])
        (partenaire,) = _valeurs(_classeur(partenaires)["Partenaires"])
    else:
        _aucune_formule_csv(actions)
        _aucune_formule_csv(partenaires)
        (action,) = _csv(actions)
        (partenaire,) = _csv(partenaires)
    # One quote in front, the spreadsheets' "this is text" mark (as the admin's exports).
    assert action["Intitulé"] == "'@SUM(1)"
    assert action["Partenaires"] == "'" + HYPERLIEN + " (Contributeur)"
    assert partenaire["Nom"] == "'" + HYPERLIEN


# --- A review ---------------------------------------------------------------------------------


def test_review_export_xlsx_has_evaluations_and_indicators(client, elu, fiches, campagne):
    client.force_login(elu)

    response = client.get(reverse("export_bilan", args=[campagne.pk, "xlsx"]))

    assert _nom_du_fichier(response) == "bilan-2025-evaluations.xlsx"
    classeur = _classeur(response)
    assert classeur.sheetnames == ["Évaluations", "Indicateurs"]
    evaluations = _valeurs(classeur["Évaluations"])
    # One row per action of the review, in code order, as its page.
    page = client.get(reverse("evaluations:campagne", args=[campagne.pk]))
    assert [ligne["Code"] for ligne in evaluations] == [
        ligne.code for ligne in page.context["lignes"]
    ]
    evaluee = next(ligne for ligne in evaluations if ligne["Code"] == "2.3.1")
    evaluation = fiches["evaluation"]
    assert evaluee == {
        "Code": "2.3.1",
        "Intitulé": fiches["action"].intitule,
        "Axe": "Axe 2 : Lien social",
        "Objectif": "2.3 Rompre l’isolement",
        "Pilote": "Paule Pilote",
        "Statut au bilan": "En cours",
        "Taux de réalisation (%)": 60,
        "Avancement (%)": 60,
        "Origine de l'avancement": "évaluée au Bilan 2025 (en cours de saisie)",
        "Appréciation": "Partiellement atteint",
        # A carriage return is kept with OOXML's escape, as Excel writes it.
        "Réalisé dans l'année": evaluation.realise.replace("\r", "_x000D_"),
        "Points forts": "Binômes stables.",
        "Difficultés": None,
        "Réajustements proposés": None,
        "Nouvelle échéance": datetime.datetime(2026, 12, 31),
    }
    reprise = next(ligne for ligne in evaluations if ligne["Code"] == "2.3.3")
    assert (reprise["Taux de réalisation (%)"], reprise["Avancement (%)"]) == (None, 30)
    assert reprise["Origine de l'avancement"] == "repris du Bilan 2024"
    (indicateur,) = _valeurs(classeur["Indicateurs"])
    assert indicateur == {
        "Code action": "2.3.1",
        "Action": fiches["action"].intitule,
        "Indicateur": "Personnes visitées",
        "Type": "Réalisation",
        "Unité": "personnes",
        "Valeur cible": 40,
        "Sens": SensIndicateur.HAUSSE.label,
        "Valeur réalisée": 30.5,
        "Atteinte (%)": round(30.5 / 40 * 100),
        "Commentaire": None,
    }
    for feuille in classeur:
        assert feuille.freeze_panes == "A2"
        assert all(cellule.font.b for cellule in feuille[1])


def test_review_export_csv_evaluations_and_indicators_apart(client, agent, fiches, campagne):
    client.force_login(agent)

    evaluations = client.get(reverse("export_bilan", args=[campagne.pk, "csv"]))
    indicateurs = client.get(reverse("export_bilan_indicateurs", args=[campagne.pk]))

    assert _nom_du_fichier(evaluations) == "bilan-2025-evaluations.csv"
    assert _nom_du_fichier(indicateurs) == "bilan-2025-indicateurs.csv"
    lignes = _csv(evaluations)
    assert len(lignes) == 4
    evaluee = next(ligne for ligne in lignes if ligne["Code"] == "2.3.1")
    assert evaluee["Nouvelle échéance"] == "31/12/2026"
    assert evaluee["Réalisé dans l'année"] == fiches["evaluation"].realise
    (indicateur,) = _csv(indicateurs)
    assert (indicateur["Valeur cible"], indicateur["Valeur réalisée"]) == ("40", "30,5")
    assert indicateur["Atteinte (%)"] == str(round(30.5 / 40 * 100))


def _contenu(response, format_) -> list:
    """What a reader sees of an export (an XLSX's bytes carry its creation time)."""
    if format_ == "xlsx":
        return [list(feuille.iter_rows(values_only=True)) for feuille in _classeur(response)]
    assert response.status_code == 200
    return [response.content]


def test_closed_review_export_reads_only_its_snapshot(
    client, agent, administrateur, fiches, campagne
):
    campagne.clore(administrateur)
    client.force_login(agent)
    urls = {
        "xlsx": reverse("export_bilan", args=[campagne.pk, "xlsx"]),
        "csv": reverse("export_bilan", args=[campagne.pk, "csv"]),
        "indicateurs": reverse("export_bilan_indicateurs", args=[campagne.pk]),
    }
    avant = {nom: _contenu(client.get(url), nom) for nom, url in urls.items()}

    action = fiches["action"]
    action.intitule = "Intitulé changé après la clôture"
    action.pilote = AgentFactory(first_name="Autre", last_name="Pilote")
    action.statut = StatutAction.REPORTEE
    action.save()
    fiches["indicateur"].libelle = "Indicateur renommé"
    fiches["indicateur"].valeur_cible = 10
    fiches["indicateur"].save()
    fiches["realisee"].deplacer(fiches["autre_axe"].objectif, 5, agent)  # now 1.1.5
    action.objectif.axe.intitule = "Axe renommé"
    action.objectif.axe.save()

    apres = {nom: _contenu(client.get(url), nom) for nom, url in urls.items()}
    assert apres == avant
    lignes = _valeurs(_classeur(client.get(urls["xlsx"]))["Évaluations"])
    assert [ligne["Code"] for ligne in lignes] == ["1.1.1", "2.3.1", "2.3.2", "2.3.3"]
    assert lignes[1]["Intitulé"] != action.intitule
    assert lignes[1]["Origine de l'avancement"] == "évaluée au Bilan 2025"


# --- The directory of partners ------------------------------------------------------------------


def test_partners_export_with_the_codes_of_their_actions(client, elu, fiches):
    cdas = fiches["action"].partenaires.get()
    cdas.contact = "Accueil"
    cdas.telephone = "02 98 00 00 00"
    cdas.email = "cdas@example.org"
    cdas.site = "https://cdas.example.org"
    cdas.save()
    ActionPartenaireFactory(action=fiches["autre_axe"], partenaire=cdas)
    seul = PartenaireFactory(nom="Épicerie solidaire", type=TypePartenaire.ASSOCIATION)
    client.force_login(elu)

    response = client.get(reverse("actions:export_partenaires", args=["xlsx"]))

    assert _nom_du_fichier(response) == "partenaires.xlsx"
    lignes = _valeurs(_classeur(response)["Partenaires"])
    assert lignes == [
        {
            "Nom": "CDAS",
            "Type": "Institution",
            "Contact": "Accueil",
            "Téléphone": "02 98 00 00 00",
            "Courriel": "cdas@example.org",
            "Site internet": "https://cdas.example.org",
            "Nombre d'actions": 2,
            "Actions": "1.1.1; 2.3.1",
        },
        {
            "Nom": seul.nom,
            "Type": "Association",
            "Contact": None,
            "Téléphone": None,
            "Courriel": None,
            "Site internet": None,
            "Nombre d'actions": 0,
            "Actions": None,
        },
    ]
    # The list's search applies.
    response = client.get(reverse("actions:export_partenaires", args=["csv"]), {"q": "epicerie"})
    assert [ligne["Nom"] for ligne in _csv(response)] == ["Épicerie solidaire"]


# --- Who may export ---------------------------------------------------------------------------


def _urls(campagne) -> list[str]:
    return [
        reverse("actions:export_liste", args=["xlsx"]),
        reverse("actions:export_liste", args=["csv"]),
        reverse("actions:export_mes_actions", args=["csv"]),
        reverse("actions:export_partenaires", args=["csv"]),
        reverse("export_bilan", args=[campagne.pk, "xlsx"]),
        reverse("export_bilan", args=[campagne.pk, "csv"]),
        reverse("export_bilan_indicateurs", args=[campagne.pk]),
    ]


def test_every_reader_may_export_and_nobody_else(client, elu, fiches, campagne):
    for url in _urls(campagne):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    client.force_login(UserFactory(username="sans-role"))
    for url in _urls(campagne):
        assert client.get(url).status_code == 403, url
    client.force_login(elu)
    for url in _urls(campagne):
        assert client.get(url).status_code == 200, url
    assert client.post(_urls(campagne)[0]).status_code == 405


def test_another_projets_review_is_404(client, elu, projet):
    ailleurs = CampagneFactory(projet=ProjetSocialFactory(annee_debut=2017, annee_fin=2020))
    client.force_login(elu)
    assert client.get(reverse("export_bilan", args=[ailleurs.pk, "xlsx"])).status_code == 404
    assert client.get(reverse("export_bilan_indicateurs", args=[ailleurs.pk])).status_code == 404


def test_an_unknown_format_is_no_address(client, elu, projet):
    client.force_login(elu)
    assert client.get("/actions/export.pdf").status_code == 404


# --- The buttons ------------------------------------------------------------------------------


LIEN = re.compile(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>')


def _liens(response) -> dict[str, str]:
    """{accessible name (its text, hidden parts included): href} of the page's export links."""
    liens = {}
    for href, contenu in LIEN.findall(response.content.decode()):
        nom = re.sub(r"<[^>]+>", "", contenu).replace("&#x27;", "'")
        if nom.startswith("Exporter"):
            liens[nom] = href.replace("&amp;", "&")
    return liens


def test_the_pages_offer_their_exports(client, elu, fiches, campagne):
    client.force_login(elu)
    liste = client.get(reverse("actions:liste"), {"statut": "en_cours"})
    assert _liens(liste) == {
        "Exporter la liste (XLSX)": reverse("actions:export_liste", args=["xlsx"])
        + "?statut=en_cours&tri=code",
        "Exporter la liste (CSV)": reverse("actions:export_liste", args=["csv"])
        + "?statut=en_cours&tri=code",
    }
    mes_actions = client.get(reverse("actions:mes_actions"))
    assert set(_liens(mes_actions).values()) == {
        reverse("actions:export_mes_actions", args=[format_]) + "?tri=code"
        for format_ in tableur.FORMATS
    }
    bilan = client.get(reverse("evaluations:campagne", args=[campagne.pk]))
    assert _liens(bilan) == {
        "Exporter le bilan (XLSX)": reverse("export_bilan", args=[campagne.pk, "xlsx"]),
        "Exporter le bilan : évaluations (CSV)": reverse("export_bilan", args=[campagne.pk, "csv"]),
        "Exporter le bilan : Indicateurs (CSV)": reverse(
            "export_bilan_indicateurs", args=[campagne.pk]
        ),
    }
    annuaire = client.get(reverse("actions:partenaires"), {"type": "institution"})
    assert _liens(annuaire) == {
        "Exporter l'annuaire (XLSX)": reverse("actions:export_partenaires", args=["xlsx"])
        + "?type=institution",
        "Exporter l'annuaire (CSV)": reverse("actions:export_partenaires", args=["csv"])
        + "?type=institution",
    }
    for page, groupe in ((liste, "la liste"), (bilan, "le bilan"), (annuaire, "l'annuaire")):
        groupe = rf'class="[^"]*\bd-print-none\b[^"]*" role="group" aria-label="Exporter {groupe}"'
        assert re.search(groupe, page.content.decode().replace("&#x27;", "'"))


# --- Queries -----------------------------------------------------------------------------------


def _semer(objectif, campagne, nombre: int) -> None:
    """``nombre`` fiches with all an export writes: pilote, élu's account, publics, need,
    partners, an indicator measured in the review."""
    public = PublicCibleFactory()
    besoin = BesoinSocialFactory(projet=objectif.axe.projet)
    for _ in range(nombre):
        action = ActionFactory(
            objectif=objectif, pilote=AgentFactory(), elu_referent_compte=EluFactory()
        )
        action.publics.add(public)
        action.besoins.add(besoin)
        ActionPartenaireFactory(action=action)
        evaluation = EvaluationFactory(campagne=campagne, action=action)
        MesureFactory(evaluation=evaluation, indicateur=IndicateurFactory(action=action))


@pytest.mark.parametrize("nombre", [3, 30])
def test_query_counts_do_not_grow(
    client, agent, administrateur, objectif, campagne, nombre, django_assert_num_queries
):
    _semer(objectif, campagne, nombre)
    close = CampagneFactory(projet=objectif.axe.projet, annee=2024)
    _semer(ObjectifFactory(axe=objectif.axe, numero=9), close, nombre)
    close.clore(administrateur)
    client.force_login(agent)
    nb_actions = 2 * nombre

    # 1 session, 2 user, 3 the plan's generation, 4 projet, 5-6 user and group permissions,
    # 7 latest review, 8 services (the filter's choices), 9 the actions with their
    # objective, axe, pilote, élu, lateness and progress, 10 publics, 11 needs, 12 partners.
    # (The second format finds 4-6 kept by the process: 9.)
    for format_, requetes in zip(tableur.FORMATS, (12, 9), strict=True):
        with django_assert_num_queries(requetes):
            response = client.get(
                reverse("actions:export_liste", args=[format_]), {"statut": "en_cours"}
            )
        assert response.status_code == 200
    assert len(_csv(response)) == nb_actions

    # 1 session, 2 user, 3 the plan's generation (the permissions and the projet, kept by
    # the process), 4 review, 5-6 its fiches with their progress, and its evaluations, then
    # in XLSX 7-8 the fiches' indicators and measures.
    for format_, requetes in (("csv", 6), ("xlsx", 8)):
        with django_assert_num_queries(requetes):
            response = client.get(reverse("export_bilan", args=[campagne.pk, format_]))
        assert response.status_code == 200
    # An open review lists every fiche of the plan with its indicators.
    assert len(_valeurs(_classeur(response)["Indicateurs"])) == nb_actions
    with django_assert_num_queries(8):
        response = client.get(reverse("export_bilan_indicateurs", args=[campagne.pk]))
    assert len(_csv(response)) == nb_actions
    # A closed review: 5 its rows, then in XLSX 6 its measures.
    for format_, requetes in (("csv", 5), ("xlsx", 6)):
        with django_assert_num_queries(requetes):
            response = client.get(reverse("export_bilan", args=[close.pk, format_]))
        assert response.status_code == 200
    assert len(_valeurs(_classeur(response)["Évaluations"])) == nb_actions
    with django_assert_num_queries(6):
        response = client.get(reverse("export_bilan_indicateurs", args=[close.pk]))
    assert len(_csv(response)) == nombre

    # 1 session, 2 user, 3 the plan's generation, 4 partners with their number of actions,
    # 5 the codes of their actions.
    with django_assert_num_queries(5):
        response = client.get(reverse("actions:export_partenaires", args=["xlsx"]))
    assert len(_valeurs(_classeur(response)["Partenaires"])) == nb_actions


# --- The sheets' writer --------------------------------------------------------------------------


def test_cells_by_type():
    feuille = Feuille(
        "Essai",
        ["Texte", "Entier", "Décimal", "Date", "Oui/non", "Vide"],
        [
            ["=1+1", 3, Decimal("12.50"), datetime.date(2026, 1, 31), True, None],
            ["Ligne 1\r\nLigne 2", -2, Decimal("100.00"), None, False, ""],
        ],
    )

    texte = tableur.ecrire_csv(feuille).decode("utf-8-sig")
    lignes = list(csv.reader(io.StringIO(texte, newline=""), delimiter=";"))
    assert lignes[1:] == [
        ["'=1+1", "3", "12,5", "31/01/2026", "Oui", ""],
        ["Ligne 1\r\nLigne 2", "-2", "100", "", "Non", ""],
    ]
    classeur = openpyxl.load_workbook(io.BytesIO(tableur.ecrire_xlsx([feuille])))
    premiere, seconde = (
        [(c.value, c.data_type) for c in ligne] for ligne in classeur["Essai"].iter_rows(min_row=2)
    )
    date = (datetime.datetime(2026, 1, 31), "d")
    vide = (None, "n")
    assert premiere == [("'=1+1", "s"), (3, "n"), (12.5, "n"), date, ("Oui", "s"), vide]
    retour = ("Ligne 1_x000D_\nLigne 2", "s")  # OOXML's escape of "\r", as Excel writes it
    assert seconde == [retour, (-2, "n"), (100, "n"), vide, ("Non", "s"), vide]
    assert classeur["Essai"]["A3"].alignment.wrap_text  # its two lines shown
    assert not classeur["Essai"]["A2"].alignment.wrap_text
