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
- **Pages first.** WeasyPrint runs in a child process at a lower priority (``nice``), so
  that on a small server a catalogue of every fiche (seconds of layout) does not slow down
  the pages served meanwhile: the scheduler gives the pages the processor first, the PDF
  gets the rest. The child's memory (hundreds of MB for a large catalogue) is given back
  when it ends. Its log records are logged again by the server process.
- **A document is rendered once.** The PDF of a given HTML is kept in the cache
  ``documents`` (in the database, shared by every server process), under the SHA-256 of the
  HTML, of the PDF stylesheet and fonts, and of WeasyPrint's version. The key changes with
  every character of the document (an edited fiche, the date printed on it), so that the
  cache serves exactly what a rendering would produce now, never an outdated fiche.

``reponse_pdf`` answers a view with the PDF as a download, or with a French error page when
the rendering fails (the error is logged with its traceback, the user never sees one)."""

from __future__ import annotations

import functools
import hashlib
import logging
import mimetypes
import os
import pickle
import re
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches
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
# The rendering process's niceness: 10 gives the pages about nine tenths of a busy processor.
PRIORITE_DU_RENDU = 10
# Documents larger than this are rendered each time rather than kept.
TAILLE_MAX_EN_CACHE = 16 * 1024 * 1024
# How long a request waits for the same document being rendered by another process (the
# catalogue of the demo takes 10 to 20 s under load), and how often it looks.
ATTENTE_MAX = 120
INTERVALLE_D_ATTENTE = 0.25


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
    secondes_pdf: float  # WeasyPrint's: layout and writing (0 when kept)
    du_cache: bool = False


class EchecDuRendu(RuntimeError):
    """WeasyPrint failed in the rendering process; the message carries its traceback."""


def rendre_html(html: str) -> Rendu:
    """``html`` (a whole document) as PDF bytes, rendered now, in a child process at a lower
    priority where the system can fork (in this process elsewhere)."""
    debut = time.perf_counter()
    if hasattr(os, "fork"):
        contenu, pages = _dans_un_processus_a_part(html)
    else:  # pragma: no cover - Windows
        contenu, pages = _mettre_en_page(html)
    return Rendu(
        contenu=contenu,
        pages=pages,
        secondes_html=0.0,
        secondes_pdf=time.perf_counter() - debut,
    )


def _mettre_en_page(html: str) -> tuple[bytes, int]:
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=recuperateur()).render()
    balise = len(document.pages) <= PAGES_BALISEES
    contenu = document.write_pdf(pdf_variant=VARIANTE_PDF if balise else None)
    return contenu, len(document.pages)


class _Collecteur(logging.Handler):
    """The rendering process's log records, to be logged again by its parent."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.enregistrements: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg = record.getMessage()  # the arguments may not cross a pipe
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.enregistrements.append(record)


def _dans_un_processus_a_part(html: str) -> tuple[bytes, int]:
    lecture, ecriture = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, send the result, end without running any cleanup
        code = 0
        try:
            os.close(lecture)
            for signal_ in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
                signal.signal(signal_, signal.SIG_DFL)
            os.nice(PRIORITE_DU_RENDU)
            collecteur = _Collecteur()
            for journal in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
                if isinstance(journal, logging.Logger):
                    journal.handlers = []
            logging.getLogger().addHandler(collecteur)
            try:
                resultat = ("ok", _mettre_en_page(html))
            except Exception as exc:
                resultat = ("echec", f"{exc!r}\n{traceback.format_exc()}")
            paquet = pickle.dumps((resultat, collecteur.enregistrements))
            with os.fdopen(ecriture, "wb") as sortie:
                sortie.write(paquet)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(ecriture)
    try:
        with os.fdopen(lecture, "rb") as entree:
            paquet = entree.read()
    finally:
        _, statut = os.waitpid(pid, 0)
    if not paquet:
        raise EchecDuRendu(f"le processus de rendu s'est arrêté (statut {statut})")
    (genre, valeur), enregistrements = pickle.loads(paquet)  # noqa: S301 - our own child
    for enregistrement in enregistrements:
        logging.getLogger(enregistrement.name).handle(enregistrement)
    if genre != "ok":
        raise EchecDuRendu(valeur)
    return valeur


@functools.cache
def _empreinte_de_la_mise_en_page() -> str:
    """What a PDF depends on besides its HTML: WeasyPrint's version, the PDF stylesheet and
    the fonts it loads (read once per process)."""
    empreinte = hashlib.sha256(f"{weasyprint.__version__}|{VARIANTE_PDF}|{PAGES_BALISEES}".encode())
    for chemin in ["pdf/pdf.css", *sorted(_polices())]:
        fichier = _fichier_statique(chemin)
        empreinte.update(chemin.encode() + b"\0" + (fichier.read_bytes() if fichier else b""))
    return empreinte.hexdigest()


def _polices() -> set[str]:
    feuille = _fichier_statique("pdf/pdf.css")
    texte = feuille.read_text(encoding="utf-8") if feuille else ""
    return {
        os.path.normpath(os.path.join("pdf", url))
        for url in re.findall(r"url\([\"']?([^\"')]+)[\"']?\)", texte)
    }


# The creation time of the PDF's metadata (to the second) does not make another document.
_DATE_DE_CREATION = re.compile(r'<meta name="dcterms\.created" content="[^"]*">')


def cle_du_document(html: str) -> str:
    empreinte = hashlib.sha256(_empreinte_de_la_mise_en_page().encode())
    empreinte.update(_DATE_DE_CREATION.sub("", html).encode())
    return f"pdf:{empreinte.hexdigest()}"


def document(html: str, *, garder: bool = True) -> Rendu:
    """The PDF of ``html``: kept from an earlier rendering of the very same document, else
    rendered now and kept (unless ``garder`` is false: a document kept elsewhere).

    When another process is already rendering the very same document (three élus opening the
    catalogue before a meeting), this one waits for its result rather than rendering it a
    second time, up to ``ATTENTE_MAX`` seconds; if the other rendering fails or takes longer,
    it renders the document itself."""
    if not garder:
        return rendre_html(html)
    cle = cle_du_document(html)
    cache = caches["documents"]
    garde = cache.get(cle)
    if garde is None and not cache.add(en_cours(cle), True, timeout=ATTENTE_MAX):
        garde = _attendre(cache, cle)
    if garde is not None:
        contenu, pages = garde
        return Rendu(
            contenu=contenu, pages=pages, secondes_html=0.0, secondes_pdf=0.0, du_cache=True
        )
    try:
        rendu = rendre_html(html)
        if len(rendu.contenu) <= TAILLE_MAX_EN_CACHE:
            cache.set(cle, (rendu.contenu, rendu.pages))
    finally:
        cache.delete(en_cours(cle))
    return rendu


def en_cours(cle: str) -> str:
    """The mark a process leaves in the cache while it renders the document ``cle``."""
    return f"{cle}:en-cours"


def _attendre(cache, cle: str):
    """The document another process is rendering, once kept; None if that rendering ended
    without keeping it (it failed) or has not ended within ``ATTENTE_MAX`` seconds."""
    fin = time.monotonic() + ATTENTE_MAX
    while time.monotonic() < fin:
        time.sleep(INTERVALLE_D_ATTENTE)
        garde = cache.get(cle)
        if garde is not None:
            return garde
        if cache.get(en_cours(cle)) is None:
            return None
    return None


def rendre(
    template: str, context: dict, request: HttpRequest | None = None, *, garder: bool = True
) -> Rendu:
    debut = time.perf_counter()
    html = render_to_string(template, context, request=request)
    secondes_html = time.perf_counter() - debut
    rendu = document(html, garder=garder)
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
