"""Long documents are rendered outside the request: past the time a request waits, the user
gets the « document en préparation » page, whose link gives the document once the thread
watching the rendering has kept it. No server process waits for a catalogue.

These tests use committed data (``transactional_db``): the thread keeps the document with a
database connection of its own. The rendering is a stand-in the test lets finish when it
wants; WeasyPrint itself is tested in tests/test_documents_pdf.py."""

import re
import threading
import time
from unittest import mock

import pytest
from django.core.cache import caches
from django.urls import reverse

from evaluations.models import DossierBilan
from projet_social import pdf
from projet_social.pdf import Rendu
from projet_social.views.dossier import MISE_EN_PAGE
from tests.evaluations.factories import CampagneFactory
from tests.factories_utilisateurs import EluFactory

pytestmark = pytest.mark.django_db(transaction=True)


class RenduRetenu:
    """In place of the rendering: holds until ``finir()`` (or ``echouer()``), counts its
    calls."""

    def __init__(self, contenu: bytes = b"%PDF-1.7 catalogue") -> None:
        self.contenu = contenu
        self.fin = threading.Event()
        self.erreur: Exception | None = None
        self.appels = 0

    def __call__(self, html: str) -> Rendu:
        self.appels += 1
        assert self.fin.wait(20), "le test n'a pas fini le rendu"
        if self.erreur is not None:
            raise self.erreur
        return Rendu(contenu=self.contenu, pages=2, secondes_html=0, secondes_pdf=0)

    def finir(self) -> None:
        self.fin.set()

    def echouer(self, erreur: Exception) -> None:
        self.erreur = erreur
        self.fin.set()


@pytest.fixture
def long_sans_attente(settings):
    settings.PDF_ATTENTE_LONGUE = 0
    rendu = RenduRetenu()
    with mock.patch.object(pdf, "rendre_html", rendu):
        yield rendu
    rendu.fin.set()  # no thread left waiting


def _adresse(response) -> str:
    """The « Télécharger le document » link of the « en préparation » page."""
    (adresse,) = set(re.findall(r'href="(/documents/[0-9a-f]{64}/)"', response.content.decode()))
    return adresse


def _attendre(empreinte: str, etat: str) -> None:
    fin = time.monotonic() + 20
    while pdf.etat_du_document(empreinte) != etat:
        assert time.monotonic() < fin, f"le document n'est jamais passé à l'état {etat}"
        time.sleep(0.05)


def _empreinte(adresse: str) -> str:
    return adresse.strip("/").split("/")[-1]


def test_the_catalogue_not_ready_gives_the_page_then_its_link_the_document(
    client, elu, action, long_sans_attente
):
    client.force_login(elu)
    url = reverse("actions:catalogue_pdf") + "?statut=a_lancer"
    response = client.get(url)
    assert response.status_code == 202
    assert response["Cache-Control"] == "no-store"
    texte = response.content.decode()
    assert "Document en préparation" in texte
    assert "catalogue-" in texte and ".pdf" in texte
    assert 'role="status"' in texte and "Le document n'est pas encore prêt." in texte
    # Back to the list, with its filters.
    assert 'href="/actions/?statut=a_lancer">Revenir à la liste des actions' in texte
    adresse = _adresse(response)

    # Asked again meanwhile (the button, or the page's script): still under way, not
    # rendered a second time.
    assert client.get(adresse).status_code == 202
    assert client.head(adresse).status_code == 202
    assert client.get(url).status_code == 202
    assert long_sans_attente.appels == 1

    long_sans_attente.finir()
    _attendre(_empreinte(adresse), "pret")
    entete = client.head(adresse)
    assert entete.status_code == 200 and entete["Content-Type"] == "application/pdf"
    response = client.get(adresse)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 catalogue"
    assert re.fullmatch(
        r'attachment; filename="catalogue-[a-z0-9-]+\.pdf"', response["Content-Disposition"]
    )
    # The same catalogue asked for again: served at once, kept.
    response = client.get(url)
    assert response.status_code == 200 and response.content == b"%PDF-1.7 catalogue"
    assert long_sans_attente.appels == 1


def test_only_the_session_that_asked_for_a_document_gets_it(client, elu, action, long_sans_attente):
    client.force_login(elu)
    adresse = _adresse(client.get(reverse("actions:catalogue_pdf")))
    long_sans_attente.finir()
    _attendre(_empreinte(adresse), "pret")
    client.force_login(EluFactory())
    response = client.get(adresse)
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_a_rendering_that_fails_after_its_request_shows_the_french_error_page(
    client, elu, action, long_sans_attente, caplog
):
    client.force_login(elu)
    url = reverse("actions:catalogue_pdf")
    adresse = _adresse(client.get(url))
    long_sans_attente.echouer(ValueError("police introuvable"))
    _attendre(_empreinte(adresse), pdf.ECHEC)
    response = client.get(adresse)
    assert response.status_code == 500
    texte = response.content.decode()
    assert "Le document PDF n'a pas pu être produit" in texte
    assert f'href="{url}">Demander de nouveau le document' in texte
    assert client.head(adresse).status_code == 500
    assert "échec du rendu en arrière-plan" in caplog.text and "police introuvable" in caplog.text
    # Asked for again: rendered again (and this time it works).
    long_sans_attente.erreur = None
    response = client.get(url)
    assert response.status_code == 200 and long_sans_attente.appels == 2


def test_a_document_no_longer_kept_is_asked_for_again(client, elu, action, long_sans_attente):
    client.force_login(elu)
    url = reverse("actions:catalogue_pdf") + "?q=visites"
    adresse = _adresse(client.get(url))
    long_sans_attente.finir()
    _attendre(_empreinte(adresse), "pret")
    caches["documents"].clear()  # a day later
    assert client.head(adresse).status_code == 404  # the page's script says so
    response = client.get(adresse)
    assert response.status_code == 302 and response["Location"] == url


def test_a_closed_reviews_dossier_rendered_after_its_request_is_kept_with_the_review(
    client, elu, administrateur, projet, action, long_sans_attente
):
    long_sans_attente.contenu = b"%PDF-1.7 dossier"
    campagne = CampagneFactory(projet=projet, annee=2025)
    campagne.clore(administrateur)
    client.force_login(elu)
    url = reverse("dossier_bilan", args=[campagne.pk])
    response = client.get(url)
    assert response.status_code == 202
    assert f'href="/bilans/{campagne.pk}/">Revenir au bilan 2025' in response.content.decode()
    long_sans_attente.finir()
    _attendre(_empreinte(_adresse(response)), "pret")
    fin = time.monotonic() + 20  # kept with the review just after the cache
    while not DossierBilan.objects.filter(campagne=campagne).exists():
        assert time.monotonic() < fin
        time.sleep(0.05)
    assert campagne.dossier_conserve(MISE_EN_PAGE) == b"%PDF-1.7 dossier"
    caches["documents"].clear()
    response = client.get(url)
    assert response.status_code == 200 and response.content == b"%PDF-1.7 dossier"
    assert long_sans_attente.appels == 1


def test_a_fiche_ready_within_the_short_wait_is_downloaded_at_once(client, elu, action, settings):
    settings.PDF_ATTENTE_COURTE = 30
    settings.PDF_ATTENTE_LONGUE = 0
    response = client.get(reverse("actions:fiche_pdf", args=[action.pk]))
    assert response.status_code == 302  # not logged in
    client.force_login(elu)
    response = client.get(reverse("actions:fiche_pdf", args=[action.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_no_thread_is_left_behind(client, elu, action, long_sans_attente):
    client.force_login(elu)
    client.get(reverse("actions:catalogue_pdf"))
    (fil,) = [f for f in threading.enumerate() if f.name.startswith("rendu ")]
    long_sans_attente.finir()
    fil.join(20)
    assert not fil.is_alive()
