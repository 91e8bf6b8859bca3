"""The « Dossier du bilan annuel » in PDF (projet_social/views/dossier.py): what it shows, read
back with pypdf; its table of contents and bookmarks; a closed review's dossier read only
from its snapshot, rendered once and kept; who may download it; its queries."""

import datetime
import io
import re
import subprocess
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import dateformat
from django.utils.timezone import localtime
from pypdf import PdfReader

from actions.enums import SensIndicateur, StatutAction
from actions.models import Action, Indicateur, Partenaire
from axes.enums import StatutProjet
from axes.models import Axe, BesoinSocial
from evaluations.enums import Appreciation, TypeReunion
from evaluations.models import ActionDecidee, DossierBilan
from projet_social.pdf import Rendu
from projet_social.views import dossier
from tests.actions.factories import ActionFactory, IndicateurFactory, PartenaireFactory
from tests.axes.factories import (
    AxeFactory,
    BesoinSocialFactory,
    ObjectifFactory,
    ProjetSocialFactory,
)
from tests.evaluations.factories import (
    CampagneFactory,
    EvaluationFactory,
    MesureFactory,
    ReunionFactory,
)
from tests.factories_utilisateurs import UserFactory


@pytest.fixture
def bilan(projet, axe, objectif, action, pilote):
    """Bilan 2024, open, of a plan of two axes: 1.1.1 « Permanences » evaluated, with a
    measure of its indicator and an empty « difficultés »; 2.3.1 « Visites de convivialité »
    (the shared fiche) not evaluated, answering a need of the ABS; 1.1.2 « Guide » decided at
    the meeting; the réunion partenariale with two partners."""
    accompagnement = AxeFactory(projet=projet, numero=1, intitule="Accompagnement")
    droits = ObjectifFactory(axe=accompagnement, numero=1, intitule="Droits")
    permanences = ActionFactory(
        objectif=droits, numero=1, intitule="Permanences", pilote=pilote, statut="en_cours"
    )
    guide = ActionFactory(objectif=droits, numero=2, intitule="Guide", statut="a_lancer")
    recues = IndicateurFactory(
        action=permanences, libelle="Personnes reçues", valeur_cible=Decimal("150")
    )
    IndicateurFactory(
        action=permanences,
        libelle="Attente",
        unite="jours",
        valeur_cible=Decimal("10"),
        sens=SensIndicateur.BAISSE,
    )
    campagne = CampagneFactory(
        projet=projet,
        annee=2024,
        date_reunion=datetime.date(2025, 2, 4),
        synthese="Une année de lancement.",
        decisions="Reconduire les permanences.",
    )
    evaluation = EvaluationFactory(
        campagne=campagne,
        action=permanences,
        statut=StatutAction.EN_COURS,
        taux_realisation=60,
        appreciation=Appreciation.PARTIELLEMENT_ATTEINT,
        realise="Vingt-quatre permanences tenues.",
        points_forts="Bon accueil.",
        difficultes="",
        reajustements="Créneaux plus courts.",
    )
    MesureFactory(evaluation=evaluation, indicateur=recues, valeur_realisee=Decimal("118"))
    ActionDecidee.objects.create(campagne=campagne, action=guide)
    reunion = ReunionFactory(
        projet=projet,
        campagne=campagne,
        type=TypeReunion.BILAN_ANNUEL,
        date=datetime.date(2025, 2, 4),
        intitule="Réunion du bilan",
        nb_institutions=4,
        nb_associations=5,
        nb_elus=2,
    )
    reunion.partenaires.set(
        [PartenaireFactory(nom="Banque alimentaire"), PartenaireFactory(nom="CDAS")]
    )
    reunion.axes.set([accompagnement])
    besoin = BesoinSocialFactory(projet=projet, thematique="Isolement", chiffre_cle="1 sur 4")
    action.besoins.set([besoin])
    return {
        "campagne": campagne,
        "permanences": permanences,
        "guide": guide,
        "indicateur": recues,
        "reunion": reunion,
        "besoin": besoin,
    }


def _url(campagne) -> str:
    return reverse("dossier_bilan", args=[campagne.pk])


def _telecharger(client, campagne) -> bytes:
    reponse = client.get(_url(campagne))
    assert reponse.status_code == 200, reponse.content[:500]
    assert reponse["Content-Type"] == "application/pdf"
    return reponse.content


def _pages(contenu: bytes) -> list[str]:
    """The text of each page, its white space made single spaces."""
    lecteur = PdfReader(io.BytesIO(contenu))
    return [" ".join(page.extract_text().split()) for page in lecteur.pages]


def _pages_poppler(contenu: bytes) -> list[str]:
    """The text of each page as poppler's pdftotext reads it, white space made single."""
    sortie = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=contenu,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [" ".join(page.split()) for page in sortie.split("\f")]


def _texte(contenu: bytes) -> str:
    return " ".join(_pages(contenu))


def _signets(contenu: bytes) -> list[tuple[int, str, int]]:
    """(level, title, page number from 1) of each bookmark, in order."""
    lecteur = PdfReader(io.BytesIO(contenu))
    signets = []

    def parcourir(elements, niveau):
        for element in elements:
            if isinstance(element, list):
                parcourir(element, niveau + 1)
            else:
                page = lecteur.get_destination_page_number(element) + 1
                signets.append((niveau, element.title, page))

    parcourir(lecteur.outline, 1)
    return signets


# --- What it shows ---------------------------------------------------------------------------


def test_the_dossier_shows_the_review(client, elu, bilan):
    campagne = bilan["campagne"]
    client.force_login(elu)
    reponse = client.get(_url(campagne))

    assert (
        reponse["Content-Disposition"] == 'attachment; filename="bilan-2024-ccas-de-testville.pdf"'
    )
    pages = _pages(reponse.content)
    couverture, texte = pages[0], " ".join(pages)
    assert "Bilan annuel 2024" in couverture
    assert "CCAS de Testville" in couverture
    assert "mardi 4 février 2025" in couverture
    assert "En cours de saisie" in couverture
    couverture_attendue = campagne.avancement().couverture
    assert couverture_attendue.startswith("1 / 3 actions évaluées")
    assert couverture_attendue in texte
    for titre in (
        "1. Synthèse",
        "2. Réunion partenariale et décisions",
        "3. Bilan par axe et par action",
        "4. Actions nouvelles",
        "5. Besoins sociaux et actions qui y répondent",
        "Annexe : indicateurs",
        "Avancement par axe au Bilan 2024",
        "Actions par statut au Bilan 2024",
    ):
        assert titre in texte
    assert "Axe 1 : Accompagnement" in texte and "Axe 2 : Lien social" in texte
    for code_intitule in ("1.1.1 Permanences", "1.1.2 Guide", "2.3.1 Visites de convivialité"):
        assert code_intitule in texte
    # The meeting: participants per category and in all, partners, the decisions.
    assert "Banque alimentaire" in texte and "CDAS" in texte
    total = bilan["reunion"].nb_participants
    assert (
        f"Institutions Associations Techniciens Bénévoles Élus Usagers Total 4 5 0 0 2 0 {total}"
        in texte
    )
    assert "Reconduire les permanences." in texte
    # The evaluation, its empty field, its indicators against their targets.
    assert "Vingt-quatre permanences tenues." in texte
    assert "Difficultés Non renseigné" in texte
    atteinte = bilan["indicateur"].atteinte(Decimal("118"))
    assert re.search(
        rf"Personnes reçues Réalisation 150 personnes 118 personnes {atteinte} %", texte
    )
    assert "Attente Réalisation · plus bas = mieux 10 jours Non renseignée" in texte
    # The need and the action answering it; the action decided at the meeting.
    assert "Isolement" in texte and "Chiffre clé : 1 sur 4" in texte
    assert re.search(r"Actions nouvelles .*1\.1\.2 Guide", texte)


def test_the_table_of_contents_and_the_bookmarks_give_the_pages_of_the_headings(client, elu, bilan):
    client.force_login(elu)
    contenu = _telecharger(client, bilan["campagne"])
    pages = _pages(contenu)

    sommaire = PdfReader(io.BytesIO(contenu)).pages[1].extract_text()
    assert sommaire.startswith("Sommaire")
    entrees = re.findall(r"^(.+?)\s*\.{3,}\s*(\d+)$", sommaire, flags=re.MULTILINE)
    titres = [" ".join(titre.split()) for titre, _ in entrees]
    assert titres == [
        "1. Synthèse",
        "2. Réunion partenariale et décisions",
        "3. Bilan par axe et par action",
        "Axe 1 : Accompagnement",
        "1.1.1 Permanences",
        "1.1.2 Guide",
        "Axe 2 : Lien social",
        "2.3.1 Visites de convivialité",
        "4. Actions nouvelles",
        "5. Besoins sociaux et actions qui y répondent",
        "Annexe : indicateurs",
    ]
    for titre, (_, numero) in zip(titres, entrees, strict=True):
        assert titre in pages[int(numero) - 1], (titre, numero)
    # Each axe starts a page; parts 1 to 3 too.
    numeros = dict(zip(titres, (int(n) for _, n in entrees), strict=True))
    assert numeros["1. Synthèse"] == 3
    assert numeros["Axe 2 : Lien social"] > numeros["1.1.2 Guide"]

    signets = _signets(contenu)
    assert [(niveau, titre) for niveau, titre, _ in signets] == [
        (1, "1. Synthèse"),
        (1, "2. Réunion partenariale et décisions"),
        (1, "3. Bilan par axe et par action"),
        (2, "Axe 1 : Accompagnement"),
        (3, "1.1.1 Permanences"),
        (3, "1.1.2 Guide"),
        (2, "Axe 2 : Lien social"),
        (3, "2.3.1 Visites de convivialité"),
        (1, "4. Actions nouvelles"),
        (1, "5. Besoins sociaux et actions qui y répondent"),
        (1, "Annexe : indicateurs"),
    ]
    assert [page for _, _, page in signets] == [numeros[titre] for _, titre, _ in signets]


def test_a_closed_review_says_when_it_closed(client, elu, administrateur, bilan):
    campagne = bilan["campagne"]
    campagne.clore(administrateur)
    client.force_login(elu)
    couverture = _pages(_telecharger(client, campagne))[0]
    clos_le = dateformat.format(localtime(campagne.closed_at), "j F Y")
    assert f"Bilan clos le {clos_le}" in couverture
    assert "En cours de saisie" not in couverture


def test_a_review_of_a_plan_without_actions_renders(client, elu, projet):
    campagne = CampagneFactory(projet=projet, annee=2024)
    client.force_login(elu)
    texte = _texte(_telecharger(client, campagne))
    assert "Aucune action dans ce bilan." in texte
    assert "La réunion partenariale de ce bilan n'est pas enregistrée." in texte
    assert "Aucun indicateur n'est défini." in texte


# --- A closed review: its snapshot only, rendered once -----------------------------------------


def test_a_closed_review_s_dossier_reads_only_its_snapshot(client, elu, administrateur, bilan):
    campagne = bilan["campagne"]
    campagne.clore(administrateur)
    client.force_login(elu)
    avant = _texte(_telecharger(client, campagne))

    # Fiches, axes, objectives, indicators, partners, needs and people change afterwards.
    Action.objects.filter(pk=bilan["permanences"].pk).update(
        intitule="Permanences renommées", numero=9
    )
    Action.objects.filter(pk=bilan["guide"].pk).update(statut=StatutAction.REALISEE)
    Axe.objects.filter(projet=campagne.projet).update(intitule="Axe renommé", couleur="#000000")
    Indicateur.objects.filter(pk=bilan["indicateur"].pk).update(
        libelle="Indicateur renommé", valeur_cible=Decimal("1")
    )
    IndicateurFactory(action=bilan["guide"], libelle="Indicateur ajouté")
    Partenaire.objects.filter(nom="CDAS").update(nom="Partenaire renommé")
    BesoinSocial.objects.filter(pk=bilan["besoin"].pk).update(thematique="Besoin renommé")
    bilan["permanences"].pilote.last_name = "Renommé"
    bilan["permanences"].pilote.save()
    ActionFactory(objectif=bilan["guide"].objectif, numero=5, intitule="Fiche ajoutée")
    DossierBilan.objects.all().delete()  # rendered again, from the same rows

    apres = _texte(_telecharger(client, campagne))
    assert apres == avant
    for nouveau in ("renomm", "ajout", "Renomm"):
        assert nouveau not in apres


def test_a_closed_review_s_dossier_is_rendered_once_and_kept(client, elu, administrateur, bilan):
    campagne = bilan["campagne"]
    campagne.clore(administrateur)
    client.force_login(elu)
    premier = _telecharger(client, campagne)
    garde = DossierBilan.objects.get(campagne=campagne)
    assert bytes(garde.contenu) == premier

    with mock.patch("projet_social.pdf.rendre", side_effect=AssertionError("rendu")):
        assert _telecharger(client, campagne) == premier

    # A new layout of the dossier renders it again.
    with mock.patch.object(dossier, "MISE_EN_PAGE", dossier.MISE_EN_PAGE + 1):
        _telecharger(client, campagne)
    assert DossierBilan.objects.get(campagne=campagne).mise_en_page == dossier.MISE_EN_PAGE + 1

    # Reopening drops it; an open review's dossier is never kept with it (only the cache of
    # rendered documents serves it again while nothing in it has changed).
    campagne.rouvrir(administrateur)
    assert not DossierBilan.objects.exists()
    _telecharger(client, campagne)
    assert not DossierBilan.objects.exists()
    with mock.patch("projet_social.pdf.rendre", side_effect=RuntimeError("rendu")):
        reponse = client.get(_url(campagne))
    assert reponse.status_code == 500
    assert "Le document PDF n'a pas pu être produit" in reponse.content.decode()


def test_a_dossier_rendered_while_its_review_was_reopened_is_not_kept(administrateur, bilan):
    campagne = bilan["campagne"]
    campagne.clore(administrateur)
    rendue = campagne.__class__.objects.get(pk=campagne.pk)  # as the view read it
    campagne.rouvrir(administrateur)
    assert rendue.conserver_dossier(b"%PDF", dossier.MISE_EN_PAGE) is False
    assert not DossierBilan.objects.exists()


# --- Who may download it -----------------------------------------------------------------------


def test_the_review_page_offers_the_dossier(client, elu, bilan):
    client.force_login(elu)
    reponse = client.get(reverse("evaluations:campagne", args=[bilan["campagne"].pk]))
    # No ``download`` attribute: a dossier not ready yet answers with the « en préparation »
    # page, which the browser must show, not save as the PDF.
    assert (
        f'<a class="btn btn-outline-secondary d-print-none" href="{_url(bilan["campagne"])}">'
        "Dossier du bilan (PDF)</a>"
    ) in reponse.content.decode()


def test_anonymous_users_are_sent_to_the_login_page(client, bilan):
    reponse = client.get(_url(bilan["campagne"]))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("login"))


def test_users_outside_the_roles_may_not_download_it(client, bilan):
    client.force_login(UserFactory())
    assert client.get(_url(bilan["campagne"])).status_code == 403


def test_another_projet_s_review_or_a_missing_one_is_not_found(client, elu, bilan):
    ancien = ProjetSocialFactory(annee_debut=2017, annee_fin=2022, statut=StatutProjet.CLOS)
    autre = CampagneFactory(projet=ancien, annee=2020)
    client.force_login(elu)
    assert client.get(_url(autre)).status_code == 404
    assert client.get(reverse("dossier_bilan", args=[autre.pk + 100])).status_code == 404


# --- Queries -----------------------------------------------------------------------------------


def _plan(projet, nombre: int):
    """``nombre`` actions over 2 axes, each with 2 indicators, an evaluation with a measure,
    answering one of 2 needs, some decided at the meeting; a réunion with 2 partners."""
    campagne = CampagneFactory(projet=projet, annee=2024)
    objectifs = [ObjectifFactory(axe=AxeFactory(projet=projet, numero=n), numero=1) for n in (1, 2)]
    besoins = [BesoinSocialFactory(projet=projet) for _ in range(2)]
    for rang in range(nombre):
        action = ActionFactory(objectif=objectifs[rang % 2], numero=rang + 1)
        action.besoins.set([besoins[rang % 2]])
        indicateurs = [IndicateurFactory(action=action) for _ in range(2)]
        evaluation = EvaluationFactory(campagne=campagne, action=action)
        MesureFactory(evaluation=evaluation, indicateur=indicateurs[0])
        if rang % 3 == 0:
            ActionDecidee.objects.create(campagne=campagne, action=action)
    reunion = ReunionFactory(projet=projet, campagne=campagne, type=TypeReunion.BILAN_ANNUEL)
    reunion.partenaires.set([PartenaireFactory(), PartenaireFactory()])
    reunion.axes.set(Axe.objects.filter(projet=projet))
    return campagne


def _sans_mise_en_page(html: str) -> Rendu:
    """The HTML is rendered (every query of the templates runs), WeasyPrint is not."""
    return Rendu(contenu=b"%PDF-1.7", pages=1, secondes_html=0, secondes_pdf=0)


@pytest.mark.parametrize("nombre", [3, 30])
def test_the_queries_do_not_grow_with_the_actions(
    client, elu, administrateur, projet, nombre, django_assert_num_queries
):
    campagne = _plan(projet, nombre)
    client.force_login(elu)
    with mock.patch("projet_social.pdf.rendre_html", side_effect=_sans_mise_en_page):
        # Open: session, user, the plan's generation, permissions (2), projet, campaign,
        # lines (2), progress per axe, meetings (3), indicators and measures (2), needs and
        # links (2), on target; the cache of rendered documents: lookup, « being rendered »
        # marked (5), the document kept (5), the mark removed.
        with django_assert_num_queries(30):
            _telecharger(client, campagne)
        campagne.clore(administrateur)
        # Closed, rendered then kept: session, user, the plan's generation (changed by the
        # closing: what the process keeps is read again), permissions (2), projet,
        # campaign, kept dossier, lines, progress per axe, meetings, measures, on target; the
        # cache of rendered documents as above (12: lookup, mark, document, mark removed);
        # keeping it with the review: savepoint, lock, delete of an older one, insert,
        # release.
        with django_assert_num_queries(30):
            _telecharger(client, campagne)
    # Closed and kept: session, user, the plan's generation, campaign, kept dossier (the
    # permissions and the projet kept by the process).
    with django_assert_num_queries(5):
        _telecharger(client, campagne)


# --- Bad input ---------------------------------------------------------------------------------


def test_an_action_with_huge_texts_and_many_indicators_still_renders(client, elu, bilan):
    campagne = bilan["campagne"]
    permanences = bilan["permanences"]
    mot_sans_fin = "x" * 3000
    Action.objects.filter(pk=permanences.pk).update(
        intitule="<b>Permanences</b> 🎉 مرحبا 你好 " + "très " * 40
    )
    for rang in range(50):
        IndicateurFactory(
            action=permanences,
            libelle=f"Indicateur {rang} <script>alert(1)</script> " + "long " * 30,
            unite="personnes accompagnées" * 2,
            valeur_cible=Decimal("123456789.99"),
        )
    evaluation = campagne.evaluations.get(action=permanences)
    evaluation.realise = ("Ligne de texte 🎉 مرحبا 你好. " * 400)[:10000]
    evaluation.points_forts = mot_sans_fin + " " + ("<i>texte</i>\n" * 1000)[:7000]
    evaluation.difficultes = "\n".join(["Une ligne."] * 1000)
    evaluation.reajustements = "🎉" * 2000
    evaluation.save()
    client.force_login(elu)

    contenu = _telecharger(client, campagne)
    lecteur = PdfReader(io.BytesIO(contenu))
    assert len(lecteur.pages) > 10
    titres = [titre for _, titre, _ in _signets(contenu)]
    assert "1.1.1 <b>Permanences</b> 🎉 مرحبا 你好 très" in " ".join(titres)
    # Characters that no font has are drawn as a box: WeasyPrint then encodes the fonts
    # with a CMap of its own, which pypdf (7.1) misreads; poppler reads it.
    pages = _pages_poppler(contenu)
    texte = " ".join(pages)
    assert "<b>Permanences</b>" in texte  # escaped, printed as typed
    assert "Indicateur 49 <script>alert(1)</script>" in texte
    assert "123456789,99" in texte
    # The indicators' table goes on over several pages, its header repeated on each.
    entete = ("Indicateur", "Cible", "Réalisé 2024", "Atteinte", "Commentaire")
    suites = [page for page in pages if all(mot in page for mot in entete)]
    assert sum(1 for page in suites if "Indicateur 4" in page) >= 2
