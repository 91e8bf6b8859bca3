"""The fiche projet and the catalogue of fiches as PDF: what a reader finds in them (text
extracted with pypdf), the table of contents and bookmarks, the sections an agent leaves
out, permissions, a fixed number of queries, bad input, and a renderer that reads nothing
but the project's static files."""

import io
import logging
import os
import re
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import caches
from django.urls import reverse
from pypdf import PdfReader

from actions.enums import StatutAction
from projet_social import pdf
from tests.actions.factories import (
    ActionFactory,
    ActionPartenaireFactory,
    EtapeFactory,
    IndicateurFactory,
    LigneBudgetFactory,
    PartenaireFactory,
)
from tests.axes.factories import AxeFactory, ObjectifFactory, ProjetSocialFactory
from tests.evaluations.factories import CampagneFactory, EvaluationFactory, MesureFactory

pytestmark = pytest.mark.django_db


def _lire(response) -> PdfReader:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def _page(page) -> str:
    # pypdf reads the fallback font's text (emoji, Arabic) as UTF-16: its NULs are dropped.
    return " ".join((page.extract_text() or "").replace("\x00", "").split())


def _texte(lecteur: PdfReader) -> str:
    return " ".join(_page(page) for page in lecteur.pages)


@pytest.fixture
def fiche_complete(projet, action):
    campagne = CampagneFactory(projet=projet, annee=2025)
    ActionPartenaireFactory(
        action=action, partenaire=PartenaireFactory(nom="Association Trait d'Union")
    )
    LigneBudgetFactory(action=action, montant_prevu=Decimal("1234.50"))
    EtapeFactory(action=action, libelle="Recruter les bénévoles")
    indicateur = IndicateurFactory(action=action, libelle="Personnes visitées", valeur_cible=40)
    evaluation = EvaluationFactory(campagne=campagne, action=action, realise="Vingt visites.")
    MesureFactory(evaluation=evaluation, indicateur=indicateur, valeur_realisee=Decimal(30))
    action.constat = "Des aînés isolés dans les hameaux."
    action.save()
    return action


def test_fiche_pdf_has_every_section_and_its_name(client, elu, fiche_complete):
    client.force_login(elu)
    response = client.get(reverse("actions:fiche_pdf", args=[fiche_complete.pk]))
    assert response["Content-Disposition"] == (
        'attachment; filename="fiche-2-3-1-visites-de-convivialite.pdf"'
    )
    lecteur = _lire(response)
    texte = _texte(lecteur)
    assert "Fiche action 2.3.1 : Visites de convivialité" in texte
    assert "Axe 2 : Lien social" in texte
    for section in (
        "Identification",
        "Constat et objectifs",
        "Publics et partenaires",
        "Moyens et budget",
        "Calendrier et étapes",
        "Indicateurs",
        "Communication et réseau",
        "Évaluations annuelles",
    ):
        assert section in texte, section
    assert "Des aînés isolés dans les hameaux." in texte
    assert "Association Trait d'Union" in texte
    assert "1 234,50 €" in texte
    assert "Recruter les bénévoles" in texte
    assert "Personnes visitées" in texte and "75 %" in texte  # 30 / 40
    assert "Vingt visites." in texte
    assert "Non renseigné" in texte  # the empty fields say so
    assert re.search(r"Page 1 / \d", texte)
    # Metadata and tagging (PDF/UA: screen readers).
    assert lecteur.metadata.title == "Fiche action 2.3.1 : Visites de convivialité"
    assert lecteur.metadata.author == fiche_complete.objectif.axe.projet.structure
    assert lecteur.trailer["/Root"]["/MarkInfo"]["/Marked"]


def test_agent_leaves_sections_out(client, agent, fiche_complete):
    client.force_login(agent)
    url = reverse("actions:fiche_pdf", args=[fiche_complete.pk])
    texte = _texte(_lire(client.get(url, {"choix": "1", "section": ["identification", "constat"]})))
    assert "Identification" in texte and "Des aînés isolés" in texte
    assert "Moyens et budget" not in texte and "1 234,50" not in texte
    assert "Association Trait d'Union" not in texte
    # The fiche page offers the choice, every section ticked.
    page = client.get(reverse("actions:detail", args=[fiche_complete.pk])).content.decode()
    assert 'name="section" value="moyens" id="section-moyens" checked' in page
    assert "Télécharger la fiche (PDF)" in page


def test_pdf_permissions_and_404(client, elu, projet, action):
    url = reverse("actions:fiche_pdf", args=[action.pk])
    reponse = client.get(url)
    assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("login"))
    client.force_login(elu)
    ailleurs = ActionFactory(
        objectif=ObjectifFactory(axe=AxeFactory(projet=ProjetSocialFactory(statut="clos")))
    )
    assert client.get(reverse("actions:fiche_pdf", args=[ailleurs.pk])).status_code == 404
    assert client.get(reverse("actions:fiche_pdf", args=[999999])).status_code == 404
    assert client.get(reverse("actions:catalogue_pdf")).status_code == 200


def test_a_failed_render_says_why_in_french(client, elu, action):
    client.force_login(elu)
    with mock.patch.object(pdf, "rendre_html", side_effect=RuntimeError("Pango")):
        response = client.get(reverse("actions:fiche_pdf", args=[action.pk]))
    assert response.status_code == 500
    assert "Le document PDF n'a pas pu être produit" in response.content.decode()


def test_catalogue_has_a_table_of_contents_with_pages_and_bookmarks(client, elu, projet, axe):
    autre_axe = AxeFactory(projet=projet, numero=3, intitule="Inclusion")
    objectifs = [ObjectifFactory(axe=axe, numero=1), ObjectifFactory(axe=autre_axe, numero=1)]
    fiches = [
        ActionFactory(objectif=objectif, numero=n, intitule=f"Fiche {objectif.axe.numero}-{n}")
        for objectif in objectifs
        for n in (1, 2)
    ]
    client.force_login(elu)
    lecteur = _lire(client.get(reverse("actions:catalogue_pdf")))
    pages = [_page(page) for page in lecteur.pages]
    sommaire = next(p for p in pages if p.startswith("Sommaire") or " Sommaire " in p)
    for fiche in fiches:
        titre = f"{fiche.code} {fiche.intitule}"
        numero = int(re.search(re.escape(titre) + r"[ .]*(\d+)", sommaire).group(1))
        # The page the table of contents gives is the page where the fiche begins.
        assert f"Fiche action {fiche.code} : {fiche.intitule}" in pages[numero - 1], titre
    # Bookmarks: axes, their objectives, their fiches.
    titres = []

    def parcourir(elements, niveau=0):
        for element in elements:
            if isinstance(element, list):
                parcourir(element, niveau + 1)
            else:
                titres.append((niveau, element.title))

    parcourir(lecteur.outline)
    assert (0, "Axe 2 : Lien social") in titres
    assert (1, "Objectif 2.1 : " + objectifs[0].intitule) in titres
    assert (2, "Fiche action 3.1.2 : Fiche 3-2") in titres


def test_catalogue_from_the_list_keeps_its_filters(client, agent, projet, objectif):
    realisee = ActionFactory(objectif=objectif, intitule="Déjà faite", realisee=True)
    ActionFactory(objectif=objectif, intitule="Encore en cours")
    client.force_login(agent)
    liste = client.get(reverse("actions:liste"), {"statut": StatutAction.REALISEE})
    lien = re.search(r'href="(/actions/catalogue\.pdf\?[^"]*)"', liste.content.decode()).group(1)
    texte = _texte(_lire(client.get(lien.replace("&amp;", "&"))))
    assert realisee.intitule in texte
    assert "Encore en cours" not in texte
    assert "1 fiche, filtrées par : Statut" in texte


def _plan(objectif, campagne, n):
    for _ in range(n):
        action = ActionFactory(objectif=objectif)
        ActionPartenaireFactory(action=action)
        EtapeFactory(action=action)
        LigneBudgetFactory(action=action)
        indicateur = IndicateurFactory(action=action)
        MesureFactory(
            evaluation=EvaluationFactory(campagne=campagne, action=action), indicateur=indicateur
        )


CATALOGUE, FICHE, FICHE_GARDEE = 31, 25, 14


def test_pdf_queries_do_not_grow(client, elu, projet, objectif, django_assert_num_queries):
    campagne = CampagneFactory(projet=projet, annee=2025)
    _plan(objectif, campagne, 3)
    client.force_login(elu)
    fiche = objectif.actions.first()
    # Catalogue: 1 session, 2 user, 3 the plan's generation, 4-5 the user's permissions,
    # 6 projet, 7 latest review, 8 the services (a filter's choices, read when the filters
    # are), 9 the fiches with their progress, 10-15 publics, needs, partners, indicators,
    # steps, budget, 16-17 evaluations and their measures, 18 axes, 19 objectives; then the
    # cache of rendered documents: 20 a lookup, 21-25 « being rendered » marked (count,
    # savepoint, lookup, insert, release), 26-30 the document kept (the same five), 31 the
    # mark removed.
    with django_assert_num_queries(CATALOGUE):
        client.get(reverse("actions:catalogue_pdf"))
    # Fiche: the same rows for one fiche (no filter's choices; the permissions, the projet
    # and the review kept by the process since the catalogue): 13, then the cache: 25.
    with django_assert_num_queries(FICHE):
        client.get(reverse("actions:fiche_pdf", args=[fiche.pk]))
    _plan(objectif, campagne, 27)
    with django_assert_num_queries(CATALOGUE):
        response = client.get(reverse("actions:catalogue_pdf"))
    assert "30 fiches" in _texte(_lire(response))
    # The fiche has not changed: the PDF kept is served (its lookup, nothing written; the
    # permissions and the projet kept by the process since the catalogue).
    with django_assert_num_queries(FICHE_GARDEE):
        client.get(reverse("actions:fiche_pdf", args=[fiche.pk]))


def test_bad_input_still_renders(client, agent, projet, objectif):
    long = "Un texte très long sans fin. " * 350  # about 10 000 characters
    action = ActionFactory(
        objectif=objectif,
        intitule="Émoji 😀, arabe مرحبا, chinois 你好 et un mot" + "x" * 150,  # 250 at most
        constat=long,
        description="<b>gras</b> <script>alert(1)</script> &amp; " + "y" * 2000,
    )
    for n in range(50):
        IndicateurFactory(action=action, libelle=f"Indicateur numéro {n}")
    vide = ActionFactory(objectif=objectif, numero=99, intitule="Fiche vide")
    client.force_login(agent)
    texte = _texte(_lire(client.get(reverse("actions:fiche_pdf", args=[action.pk]))))
    assert "Indicateur numéro 49" in texte
    assert "<script>alert(1)</script>" in texte  # shown as text, never as markup
    assert "Un texte très long sans fin." in texte
    texte = _texte(_lire(client.get(reverse("actions:fiche_pdf", args=[vide.pk]))))
    assert "Aucun indicateur." in texte and "Aucune ligne de budget." in texte


# --- The renderer reads only the project's static files -----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "file:///etc/passwd",
        "http://example.com/image.png",
        "https://example.com/style.css",
        "ftp://example.com/x",
        f"{pdf.BASE_URL}static/../../../../etc/passwd",
        f"{pdf.BASE_URL}static/%2e%2e/%2e%2e/etc/passwd",
        f"{pdf.BASE_URL}etc/passwd",
        f"{pdf.BASE_URL}static/pdf/absent.css",
    ],
)
def test_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(pdf.RessourceRefusee):
        pdf.recuperateur().fetch(url)


def test_fetcher_serves_static_files_and_data_uris():
    reponse = pdf.recuperateur().fetch(f"{pdf.BASE_URL}static/pdf/pdf.css")
    assert b"@page" in reponse.read()
    assert reponse.content_type == "text/css"
    assert pdf.recuperateur().fetch("data:text/plain,bonjour").read() == b"bonjour"


def test_no_file_or_url_typed_into_a_fiche_is_fetched(client, agent, action, tmp_path, caplog):
    secret = tmp_path / "secret.txt"
    secret.write_text("NE DOIT PAS SORTIR")
    piege = (
        f'<img src="file://{secret}"> <img src="http://127.0.0.1:9/x.png"> '
        f'<link rel="stylesheet" href="http://127.0.0.1:9/x.css"> '
        f'<style>body {{ background: url("file://{secret}") }}</style>'
    )
    action.constat = piege
    action.description = f'url("file://{secret}")'
    action.save()
    fetch = pdf.RecuperateurStatique.fetch

    def espion(self, url, headers=None):
        # Runs in the rendering process: it tells by the log, which its parent logs again.
        logging.getLogger("tests.espion").warning("demandée %s", url)
        return fetch(self, url, headers)

    client.force_login(agent)
    with mock.patch.object(pdf.RecuperateurStatique, "fetch", espion):
        with caplog.at_level("WARNING", logger="tests.espion"):
            texte = _texte(_lire(client.get(reverse("actions:fiche_pdf", args=[action.pk]))))
    demandees = [
        r.getMessage().removeprefix("demandée ") for r in caplog.records if r.name == "tests.espion"
    ]
    assert "NE DOIT PAS SORTIR" not in texte
    assert "<img src=" in texte and "<link rel=" in texte  # shown as the text typed
    assert demandees and all(u.startswith(f"{pdf.BASE_URL}static/") for u in demandees)


# --- Rendered apart, at a lower priority, and once per document ----------------------------


def _qui_rend(html):
    """In place of WeasyPrint: which process rendered, at which niceness and policy."""
    return f"{os.getpid()} {os.nice(0)} {os.sched_getscheduler(0)}".encode(), 1


def test_weasyprint_runs_in_a_child_process_at_a_lower_priority():
    with mock.patch.object(pdf, "_mettre_en_page", _qui_rend):
        rendu = pdf.rendre_html("<p>x</p>")
    pid, priorite, politique = map(int, rendu.contenu.split())
    assert pid != os.getpid()
    assert priorite == min(19, os.nice(0) + pdf.PRIORITE_DU_RENDU)
    assert politique == os.SCHED_IDLE  # only the time no page wants
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the server's own is unchanged


def test_a_failure_in_the_child_reaches_the_user_as_a_french_page(client, elu, action, caplog):
    def plantage(html):
        raise ValueError("police introuvable")

    client.force_login(elu)
    with mock.patch.object(pdf, "_mettre_en_page", plantage):
        response = client.get(reverse("actions:fiche_pdf", args=[action.pk]))
    assert response.status_code == 500
    assert "Le document PDF n'a pas pu être produit" in response.content.decode()
    # The child's traceback is in the server's log.
    assert "police introuvable" in caplog.text and "ValueError" in caplog.text


def test_a_child_that_dies_is_an_error_not_a_hang():
    with mock.patch.object(pdf, "_mettre_en_page", lambda html: os._exit(3)):
        with pytest.raises(pdf.EchecDuRendu, match="statut"):
            pdf.rendre_html("<p>x</p>")


def test_the_childs_log_records_are_logged_by_the_server(caplog):
    html = '<img src="file:///etc/passwd"><p>texte</p>'
    with caplog.at_level("WARNING"):
        rendu = pdf.rendre_html(html)
    assert rendu.contenu.startswith(b"%PDF")
    assert "ressource refusée file:///etc/passwd" in caplog.text


def test_the_same_document_is_rendered_once_and_an_edited_one_again(client, elu, action):
    client.force_login(elu)
    url = reverse("actions:fiche_pdf", args=[action.pk])
    with mock.patch.object(pdf, "rendre_html", wraps=pdf.rendre_html) as rendu:
        premier = client.get(url)
        second = client.get(url)
        assert rendu.call_count == 1
        assert second.content == premier.content
        action.constat = "Un constat écrit entre les deux impressions."
        action.save()
        troisieme = client.get(url)
        assert rendu.call_count == 2
    assert "Un constat écrit entre les deux impressions." in _texte(_lire(troisieme))
    assert "Un constat écrit" not in _texte(_lire(premier))


def test_the_key_is_the_document_not_the_second_it_was_made():
    html = '<html><head><meta name="dcterms.created" content="{}"></head><body>{}</body></html>'
    cle = pdf.cle_du_document
    assert cle(html.format("2026-11-26T10:00:00", "a")) == cle(
        html.format("2026-11-26T10:00:59", "a")
    )
    assert cle(html.format("2026-11-26T10:00:00", "a")) != cle(
        html.format("2026-11-26T10:00:00", "b")
    )
    # Another WeasyPrint (or stylesheet, or font): another key for the same HTML.
    avant = cle(html.format("", "a"))
    pdf._empreinte_de_la_mise_en_page.cache_clear()
    try:
        with mock.patch.object(pdf.weasyprint, "__version__", "0.0"):
            assert cle(html.format("", "a")) != avant
    finally:
        pdf._empreinte_de_la_mise_en_page.cache_clear()


def _rendu_interdit(html):
    raise AssertionError("rendu une seconde fois")


def test_a_document_being_rendered_elsewhere_is_awaited_not_rendered_twice(monkeypatch):
    html = "<p>Catalogue demandé par trois élus à la fois</p>"
    cle = pdf.cle_du_document(html)
    cache = caches["documents"]
    assert cache.add(pdf.en_cours(cle), pdf.EN_COURS)  # another process renders it

    def pendant_l_attente(secondes):  # ... and keeps its result meanwhile
        cache.set(cle, (b"%PDF-rendu-ailleurs", 3))
        cache.delete(pdf.en_cours(cle))

    monkeypatch.setattr(pdf.time, "sleep", pendant_l_attente)
    monkeypatch.setattr(pdf, "rendre_html", _rendu_interdit)
    rendu = pdf.document(html, attente=5)
    assert rendu.du_cache and rendu.contenu == b"%PDF-rendu-ailleurs" and rendu.pages == 3


def test_a_rendering_elsewhere_is_awaited_a_moment_then_the_page_says_it_is_under_way(
    monkeypatch,
):
    html = "<p>Un autre rendu dure</p>"
    cle = pdf.cle_du_document(html)
    caches["documents"].add(pdf.en_cours(cle), pdf.EN_COURS)
    monkeypatch.setattr(pdf, "rendre_html", _rendu_interdit)
    debut = time.monotonic()
    resultat = pdf.document(html, attente=0.3)
    assert resultat == pdf.EnPreparation(cle)
    assert 0.3 <= time.monotonic() - debut < 5


def test_a_rendering_elsewhere_that_fails_is_an_error_for_those_who_wait(monkeypatch):
    html = "<p>Un autre rendu échoue</p>"
    cle = pdf.cle_du_document(html)
    cache = caches["documents"]
    cache.add(pdf.en_cours(cle), pdf.EN_COURS)
    monkeypatch.setattr(pdf.time, "sleep", lambda s: cache.set(pdf.en_cours(cle), pdf.ECHEC))
    monkeypatch.setattr(pdf, "rendre_html", _rendu_interdit)
    with pytest.raises(pdf.EchecDuRendu, match="a échoué"):
        pdf.document(html, attente=5)


def test_a_rendering_elsewhere_that_ended_without_keeping_it_is_done_again_here(monkeypatch):
    html = "<p>Le rendu d'un processus arrêté</p>"
    cle = pdf.cle_du_document(html)
    cache = caches["documents"]
    cache.add(pdf.en_cours(cle), pdf.EN_COURS)
    # The other process stopped: its mark is gone, nothing kept: this one renders.
    monkeypatch.setattr(pdf.time, "sleep", lambda s: cache.delete(pdf.en_cours(cle)))
    rendu = pdf.document(html, attente=60)
    assert not rendu.du_cache and rendu.contenu.startswith(b"%PDF")
    assert cache.get(cle) == (rendu.contenu, rendu.pages)
    assert cache.get(pdf.en_cours(cle)) is None  # its own mark, removed when done


def test_a_failed_rendering_leaves_its_mark_and_the_next_request_tries_again(monkeypatch):
    html = "<p>Échec</p>"
    cle = pdf.cle_du_document(html)
    cache = caches["documents"]
    monkeypatch.setattr(pdf, "rendre_html", lambda h: (_ for _ in ()).throw(ValueError("x")))
    with pytest.raises(ValueError):
        pdf.document(html, attente=60)
    assert cache.get(pdf.en_cours(cle)) == pdf.ECHEC
    monkeypatch.undo()
    rendu = pdf.document(html, attente=60)
    assert rendu.contenu.startswith(b"%PDF") and not rendu.du_cache
    assert cache.get(pdf.en_cours(cle)) is None


def test_a_rendering_that_lasts_too_long_is_stopped(monkeypatch, settings):
    settings.PDF_DUREE_MAX = 0.5
    monkeypatch.setattr(pdf, "_mettre_en_page", lambda html: time.sleep(30))
    debut = time.monotonic()
    with pytest.raises(pdf.EchecDuRendu, match="dépassé"):
        pdf.rendre_html("<p>x</p>")
    assert time.monotonic() - debut < 10
