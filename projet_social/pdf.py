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
- **Pages first.** WeasyPrint runs in a child process at a lower priority (``nice``, and
  Linux's ``SCHED_IDLE``: only the processor time no page wants), so that on a small server
  a catalogue of every fiche (seconds of layout) does not slow down the pages served
  meanwhile. The child's memory (hundreds of MB for a large catalogue) is given back
  when it ends. Its log records are logged again by the server process.
- **A document is rendered once.** The PDF of a given HTML is kept in the cache
  ``documents`` (in the database, shared by every server process), under the SHA-256 of the
  HTML, of the PDF stylesheet and fonts, and of WeasyPrint's version. The key changes with
  every character of the document (an edited fiche, the date printed on it), so that the
  cache serves exactly what a rendering would produce now, never an outdated fiche.
- **No server process waits for a long document.** The child is watched by a thread of the
  server process, which goes on serving pages. The request waits for the document a moment
  (``PDF_ATTENTE_COURTE`` seconds for a fiche, ``PDF_ATTENTE_LONGUE`` for the catalogue and
  the review's dossier); if it is not ready by then, the user gets the « document en
  préparation » page (202), whose link, ``/documents/<cle>/``, serves it once kept.
  Whoever ends last keeps it: the request if it is still waiting, else the thread, with a
  database connection of its own. A request for a document another process is rendering
  waits for that one, the same moment, instead of rendering it a second time. A failed
  rendering leaves its mark (``ECHEC``) for the page; the next request tries again.

``reponse_pdf`` answers a view with the PDF as a download, the « en préparation » page, or
a French error page when the rendering fails (the error is logged with its traceback, the
user never sees one)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import mimetypes
import os
import pickle
import re
import select
import signal
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
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
# Documents larger than this are not kept: one asked for in a request is served as rendered,
# one rendered after its request had stopped waiting is a failure (logged as such).
TAILLE_MAX_EN_CACHE = 64 * 1024 * 1024
# How often a request looks whether the document another process renders is kept.
INTERVALLE_D_ATTENTE = 0.25
# The marks a rendering leaves in the cache: under way, then failed (removed when it is kept).
EN_COURS = "en-cours"
ECHEC = "echec"
# How long a failure is shown to those who wait for the document (a new request tries again).
DUREE_DE_L_ECHEC = 600


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


@dataclasses.dataclass
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
    priority where the system can fork (in this process elsewhere), stopped after
    ``PDF_DUREE_MAX`` seconds."""
    debut = time.perf_counter()
    if hasattr(os, "fork"):
        contenu, pages = _dans_un_processus_a_part(html, settings.PDF_DUREE_MAX)
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


def _dans_un_processus_a_part(html: str, duree_max: float) -> tuple[bytes, int]:
    lecture, ecriture = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, send the result, end without running any cleanup
        code = 0
        try:
            os.close(lecture)
            for signal_ in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
                signal.signal(signal_, signal.SIG_DFL)
            os.nice(PRIORITE_DU_RENDU)
            _au_temps_libre()
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
        paquet = _lire_jusqu_a_la_fin(lecture, pid, duree_max)
    finally:
        os.close(lecture)
        _, statut = os.waitpid(pid, 0)
    if paquet is None:
        raise EchecDuRendu(f"le rendu a dépassé {duree_max:g} s ; il a été arrêté")
    if not paquet:
        raise EchecDuRendu(f"le processus de rendu s'est arrêté (statut {statut})")
    (genre, valeur), enregistrements = pickle.loads(paquet)  # noqa: S301 - our own child
    for enregistrement in enregistrements:
        logging.getLogger(enregistrement.name).handle(enregistrement)
    if genre != "ok":
        raise EchecDuRendu(valeur)
    return valeur


def _au_temps_libre() -> None:
    """Linux: the rendering process gets the processor only when no page wants it
    (SCHED_IDLE), where a niceness of 10 still gives it a tenth of a busy core."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # another system: its niceness only
        pass


def _lire_jusqu_a_la_fin(lecture: int, pid: int, duree_max: float) -> bytes | None:
    """What the child ``pid`` sends until it closes its end; None, the child killed, if it
    has not finished within ``duree_max`` seconds."""
    fin = time.monotonic() + duree_max
    morceaux = []
    while True:
        restant = fin - time.monotonic()
        if restant <= 0 or not select.select([lecture], [], [], restant)[0]:
            os.kill(pid, signal.SIGKILL)
            return None
        morceau = os.read(lecture, 1 << 20)
        if not morceau:
            return b"".join(morceaux)
        morceaux.append(morceau)


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
    return empreinte.hexdigest()


@dataclasses.dataclass
class EnPreparation:
    """The document is being rendered: ``/documents/<cle>/`` serves it once kept."""

    cle: str


def document(
    html: str, *, attente: float, apres: Callable[[bytes], object] | None = None
) -> Rendu | EnPreparation:
    """The PDF of ``html``: kept from an earlier rendering of the very same document, else
    rendered, waiting for it ``attente`` seconds at most; past that, ``EnPreparation``.
    ``apres`` is called with the PDF once it is kept (by this request, or by the thread that
    watched the rendering). Raises ``EchecDuRendu`` (or the rendering's exception) when the
    rendering this request waits for fails.

    When another process is already rendering the very same document (three élus opening the
    catalogue before a meeting), this one waits for its result, not rendering it again. A
    document whose last rendering failed is rendered again."""
    cle = cle_du_document(html)
    cache = caches["documents"]
    fin = time.monotonic() + attente
    garde = cache.get(cle)
    attendu = False  # this request has waited for another process's rendering
    while garde is None:
        a_rendre = cache.add(en_cours(cle), EN_COURS, timeout=_duree_de_la_marque())
        marque = None if a_rendre else cache.get(en_cours(cle))
        if marque == ECHEC and not attendu:  # failed before this request: try again
            cache.set(en_cours(cle), EN_COURS, timeout=_duree_de_la_marque())
            a_rendre = True
        if a_rendre:
            return _Rendu(html, cle, apres).lancer().attendre(fin - time.monotonic())
        if marque == ECHEC:
            raise EchecDuRendu("le rendu attendu, fait par un autre processus, a échoué")
        if marque is not None:  # being rendered elsewhere (None: it has just ended)
            if time.monotonic() >= fin:
                return EnPreparation(cle)
            time.sleep(INTERVALLE_D_ATTENTE)
            attendu = True
        garde = cache.get(cle)
    contenu, pages = garde
    return Rendu(contenu=contenu, pages=pages, secondes_html=0.0, secondes_pdf=0.0, du_cache=True)


def _duree_de_la_marque() -> float:
    """The « being rendered » mark outlives the longest rendering (its process killed)."""
    return settings.PDF_DUREE_MAX + 60


def en_cours(cle: str) -> str:
    """The key of the mark a rendering leaves in the cache: ``EN_COURS``, then ``ECHEC``."""
    return f"{cle}:en-cours"


def etat_du_document(cle: str) -> str | None:
    """« pret », ``EN_COURS``, ``ECHEC`` or None (unknown, or no longer kept) for the
    document ``cle``, without reading the document."""
    return "pret" if caches["documents"].has_key(cle) else marque_du_document(cle)


def marque_du_document(cle: str) -> str | None:
    """``EN_COURS`` or ``ECHEC`` while the document ``cle`` is not kept, else None."""
    return caches["documents"].get(en_cours(cle))


def document_garde(cle: str) -> bytes | None:
    garde = caches["documents"].get(cle)
    return garde[0] if garde is not None else None


class _Rendu:
    """One rendering of a document: the child process watched by a thread of this process,
    and the document kept by whichever ends last, the request waiting or the thread."""

    def __init__(self, html: str, cle: str, apres: Callable[[bytes], object] | None) -> None:
        self.html, self.cle, self.apres = html, cle, apres
        self._verrou = threading.Lock()
        self._fini = threading.Event()
        self._abandonne = False
        self._rendu: Rendu | None = None
        self._erreur: BaseException | None = None

    def lancer(self) -> _Rendu:
        # Not a daemon: a process stopping (gunicorn's max_requests) finishes its renderings.
        threading.Thread(target=self._surveiller, name=f"rendu {self.cle[:16]}").start()
        return self

    def _surveiller(self) -> None:
        try:
            self._rendu = rendre_html(self.html)
        except BaseException as exc:  # noqa: BLE001 - reported by whoever concludes
            self._erreur = exc
        with self._verrou:
            self._fini.set()
            abandonne = self._abandonne
        if abandonne:
            try:
                self._conclure()
            except BaseException:
                logger.exception("PDF : échec du rendu en arrière-plan de %s", self.cle)
            finally:
                connections.close_all()  # this thread's own connections

    def attendre(self, secondes: float) -> Rendu | EnPreparation:
        self._fini.wait(max(secondes, 0))
        with self._verrou:
            if not self._fini.is_set():
                self._abandonne = True
                return EnPreparation(self.cle)
        return self._conclure()

    def _conclure(self) -> Rendu:
        cache = caches["documents"]
        if self._erreur is None and len(self._rendu.contenu) > TAILLE_MAX_EN_CACHE:
            if not self._abandonne:
                cache.delete(en_cours(self.cle))
                return self._rendu
            self._erreur = EchecDuRendu(
                f"document de {len(self._rendu.contenu)} octets, trop grand pour être gardé"
            )
        if self._erreur is not None:
            cache.set(en_cours(self.cle), ECHEC, timeout=DUREE_DE_L_ECHEC)
            raise self._erreur
        cache.set(self.cle, (self._rendu.contenu, self._rendu.pages))
        cache.delete(en_cours(self.cle))
        if self.apres is not None:
            self.apres(self._rendu.contenu)
        return self._rendu


def rendre(
    template: str,
    context: dict,
    request: HttpRequest | None = None,
    *,
    long: bool = False,
    apres: Callable[[bytes], object] | None = None,
) -> Rendu | EnPreparation:
    """The PDF of ``template``, waited for as a long document (the catalogue, a review's
    dossier) or a short one (a fiche)."""
    debut = time.perf_counter()
    html = render_to_string(template, context, request=request)
    secondes_html = time.perf_counter() - debut
    attente = settings.PDF_ATTENTE_LONGUE if long else settings.PDF_ATTENTE_COURTE
    resultat = document(html, attente=attente, apres=apres)
    if isinstance(resultat, Rendu):
        resultat.secondes_html = secondes_html
    return resultat


def nom_de_fichier(*parties: str) -> str:
    """("fiche", "3.2.1", "Box Marianne") -> "fiche-3-2-1-box-marianne.pdf"."""
    nom = "-".join(slugify(re.sub(r"[._/]", " ", str(partie))) for partie in parties if partie)
    return f"{nom[:120].strip('-') or 'document'}.pdf"


def reponse(contenu: bytes, nom: str) -> HttpResponse:
    response = HttpResponse(contenu, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@dataclasses.dataclass
class Demande:
    """What the « en préparation » page needs of the document asked for: its file name, the
    address that asks for it again, and the page it was asked from."""

    nom: str
    adresse: str
    retour: str
    retour_libelle: str


# The documents asked for that a session remembers (the latest).
DEMANDES_GARDEES = 20


def reponse_pdf(
    request: HttpRequest,
    template: str,
    context: dict,
    nom: str,
    *,
    retour: str,
    retour_libelle: str,
    long: bool = False,
    apres: Callable[[bytes], object] | None = None,
) -> HttpResponse:
    """The PDF of ``template`` as a download named ``nom``; the « en préparation » page
    (with a link back to ``retour``) when it is not ready in the time a request waits; a
    French error page when the rendering fails."""
    demande = Demande(nom, request.get_full_path(), retour, retour_libelle)
    try:
        resultat = rendre(template, context, request, long=long, apres=apres)
    except Exception:
        logger.exception("PDF : échec du rendu de %s", nom)
        return page_erreur(request, nom, demande.adresse)
    if isinstance(resultat, EnPreparation):
        retenir(request, resultat.cle, demande)
        return page_en_preparation(request, resultat.cle, demande)
    return reponse(resultat.contenu, nom)


def retenir(request: HttpRequest, cle: str, demande: Demande) -> None:
    """The session remembers the document asked for: only it may fetch it by its address."""
    demandes = request.session.get("documents", {})
    demandes.pop(cle, None)
    demandes[cle] = dataclasses.asdict(demande)
    request.session["documents"] = dict(list(demandes.items())[-DEMANDES_GARDEES:])


def demande_retenue(request: HttpRequest, cle: str) -> Demande | None:
    demande = request.session.get("documents", {}).get(cle)
    return Demande(**demande) if demande is not None else None


def page_en_preparation(request: HttpRequest, cle: str, demande: Demande) -> HttpResponse:
    response = render(
        request,
        "pdf/en_preparation.html",
        {"demande": demande, "adresse": reverse("document_en_preparation", args=[cle])},
        status=202,
    )
    response["Cache-Control"] = "no-store"
    return response


def page_erreur(request: HttpRequest, nom: str, adresse: str = "") -> HttpResponse:
    return render(request, "pdf/erreur.html", {"nom": nom, "adresse": adresse}, status=500)
