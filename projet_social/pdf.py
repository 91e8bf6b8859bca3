"""The one way this product writes a PDF: a Django template rendered to HTML, then WeasyPrint,
with what it may read locked down.

- **No network, no file outside the project's static files.** WeasyPrint's own fetcher
  reads any ``file://`` URL and any server; ours (``recuperer``) serves only the static files
  of the project (read from disk through the staticfiles finders: the PDF stylesheet, its
  fonts) and ``data:`` URIs, and refuses everything else, so that no text typed into a fiche
  can make the renderer read a file or call a server. (Texts are escaped by the templates
  anyway: this is the second lock.)
- **A lean stylesheet** of its own (``static/pdf/pdf.css``), never the screens' Bootstrap:
  WeasyPrint takes seconds on Bootstrap's selectors.
- **Fonts shipped with the project** (Source Sans 3, SIL OFL, ``static/vendor/source-sans-3``);
  a character they lack falls back to the system's fonts, else to a visible replacement box.
- ``<title>``, ``<meta name="author">`` and ``lang`` of the template become the PDF's
  metadata; the PDF is tagged (PDF/UA-1) for screen readers, up to ``PAGES_BALISEES``.

``reponse_pdf`` answers a view with the PDF as a download, or with a French error page when
the rendering fails (the error is logged with its traceback, the user never sees one)."""

from __future__ import annotations

import logging
import mimetypes
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# The address the documents are rendered at: it exists nowhere, and only its static files
# are served, from disk, by ``recuperer``.
BASE_URL = "https://projet-social.invalid/"
VARIANTE_PDF = "pdf/ua-1"
# Tagging costs 5 to 15 % up to a hundred pages, but WeasyPrint's writer (pydyf) spends a
# time in the square of the page count on it: a catalogue of a large plan is left untagged.
PAGES_BALISEES = 250


class RessourceRefusee(ValueError):
    """The renderer asked for something other than a static file of the project."""


class RecuperateurStatique(URLFetcher):
    """WeasyPrint's URL fetcher for our documents: the project's static files and ``data:``
    URIs, nothing else. A refused URL raises: WeasyPrint leaves the image or stylesheet out,
    logs a warning and goes on."""

    def __init__(self) -> None:
        # Only data: reaches urllib (its DataHandler); static files are read here.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        fichier = fichier_servi(url)
        if fichier is None:
            logger.warning("PDF : ressource refusée %s", url[:200])
            raise RessourceRefusee(f"Ressource refusée pendant le rendu PDF : {url[:200]}")
        type_mime, _ = mimetypes.guess_type(fichier.name)
        return URLFetcherResponse(
            url, fichier.read_bytes(), {"Content-Type": type_mime or "application/octet-stream"}
        )


def recuperateur() -> RecuperateurStatique:
    return RecuperateurStatique()


def fichier_servi(url: str) -> Path | None:
    """The static file of the project the renderer may read for ``url``, or None."""
    prefixe = BASE_URL.rstrip("/") + settings.STATIC_URL
    if not url.startswith(prefixe):
        return None
    chemin = unquote(urlsplit(url).path[len(urlsplit(prefixe).path) :])
    return _fichier_statique(chemin)


def _fichier_statique(chemin: str) -> Path | None:
    """The file of the static folders at ``chemin`` ("pdf/pdf.css"), never outside them."""
    if not chemin or chemin.startswith("/") or ".." in Path(chemin).parts or "\\" in chemin:
        return None
    trouve = finders.find(chemin)
    if not trouve:
        return None
    fichier = Path(trouve).resolve()
    racines = [Path(r).resolve() for r in _racines_statiques()]
    if not any(fichier.is_relative_to(racine) for racine in racines) or not fichier.is_file():
        return None
    return fichier


def _racines_statiques() -> list[str]:
    racines = []
    for finder in finders.get_finders():
        for _, stockage in finder.list([]):
            racines.append(stockage.location)
    return sorted(set(racines))


@dataclass
class Rendu:
    """A rendered PDF, with what the benchmark reports of it."""

    contenu: bytes
    pages: int
    secondes_html: float  # our part: the template
    secondes_pdf: float  # WeasyPrint's: layout and writing


def rendre_html(html: str) -> Rendu:
    """``html`` (a whole document) as PDF bytes."""
    debut = time.perf_counter()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=recuperateur()).render()
    balise = len(document.pages) <= PAGES_BALISEES
    contenu = document.write_pdf(pdf_variant=VARIANTE_PDF if balise else None)
    return Rendu(
        contenu=contenu,
        pages=len(document.pages),
        secondes_html=0.0,
        secondes_pdf=time.perf_counter() - debut,
    )


def rendre(template: str, context: dict, request: HttpRequest | None = None) -> Rendu:
    debut = time.perf_counter()
    html = render_to_string(template, context, request=request)
    secondes_html = time.perf_counter() - debut
    rendu = rendre_html(html)
    rendu.secondes_html = secondes_html
    return rendu


def nom_de_fichier(*parties: str) -> str:
    """("fiche", "3.2.1", "Box Marianne") -> "fiche-3-2-1-box-marianne.pdf"."""
    nom = "-".join(slugify(re.sub(r"[._/]", " ", str(partie))) for partie in parties if partie)
    return f"{nom[:120].strip('-') or 'document'}.pdf"


def reponse(contenu: bytes, nom: str) -> HttpResponse:
    response = HttpResponse(contenu, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def reponse_pdf(request: HttpRequest, template: str, context: dict, nom: str) -> HttpResponse:
    """The PDF of ``template`` as a download named ``nom``; a French error page when the
    rendering fails."""
    try:
        rendu = rendre(template, context, request)
    except Exception:
        logger.exception("PDF : échec du rendu de %s", nom)
        return page_erreur(request, nom)
    return reponse(rendu.contenu, nom)


def page_erreur(request: HttpRequest, nom: str) -> HttpResponse:
    return render(request, "pdf/erreur.html", {"nom": nom}, status=500)
