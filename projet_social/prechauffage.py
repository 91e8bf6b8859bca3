"""What a server process prepares before it answers anyone: the URLs (every view module and
what it imports, WeasyPrint included) and every template of the project, compiled.

Django does this work lazily, at the first request that needs it: the first page a new
gunicorn process serves then costs a second or more, and a process is new at every start,
every restart and every ``max_requests`` recycling, which is when users log in. ``wsgi.py``
calls ``prechauffer()`` once per process, before gunicorn gives it a connection; it does not
touch the database (``wsgi.py`` could be imported before a fork).

Then gunicorn's ``post_worker_init`` (deploy/gunicorn.conf.py), in the process itself, calls
``preparer_les_donnees()``: the database connection opened, and the dashboard's figures as it
opens rendered and kept if they are not yet, so that the first users after a start do not
wait for them; then ``figer_la_memoire()``.
"""

from __future__ import annotations

import gc
import logging
import time
from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.template import TemplateSyntaxError, engines
from django.urls import get_resolver

logger = logging.getLogger(__name__)


def gabarits_du_projet() -> list[str]:
    """The names of the project's templates (``templates/``; the apps have none of their
    own)."""
    noms = set()
    for dossier in (Path(d) for d in settings.TEMPLATES[0]["DIRS"]):
        if dossier.is_dir():
            noms.update(
                chemin.relative_to(dossier).as_posix()
                for chemin in dossier.rglob("*")
                if chemin.suffix in {".html", ".txt", ".svg", ".xml"} and chemin.is_file()
            )
    return sorted(noms)


def prechauffer() -> dict[str, float | int]:
    """Import the views and compile the templates; returns what was done, for the log."""
    debut = time.perf_counter()
    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module
    moteur = engines["django"]
    compiles = 0
    for nom in gabarits_du_projet():
        try:
            moteur.get_template(nom)
            compiles += 1
        except TemplateSyntaxError:  # a broken template fails its page, not the server
            logger.exception("Préchauffage : gabarit illisible %s", nom)
    # The widgets and layouts of Django's forms, drawn by its form renderer.
    rendu = get_default_renderer()
    dossier = Path(django.forms.__file__).parent / "templates"
    for chemin in sorted(dossier.glob("django/forms/**/*.html")):
        rendu.get_template(chemin.relative_to(dossier).as_posix())
    secondes = time.perf_counter() - debut
    logger.info("Processus prêt : %d gabarits compilés en %.2f s", compiles, secondes)
    return {"gabarits": compiles, "secondes": secondes}


def preparer_les_donnees() -> None:
    """In a server process before its first request: its database connection, the
    dashboard's default figures kept. A failure is logged; the process serves all the same."""
    debut = time.perf_counter()
    try:
        from projet_social.views.accueil import preparer_le_tableau_par_defaut

        preparer_le_tableau_par_defaut()
    except Exception:  # noqa: BLE001 - a page will say what is wrong; the process must start
        logger.exception("Préchauffage : le tableau de bord n'a pas pu être préparé")
        return
    logger.info("Tableau de bord prêt en %.2f s", time.perf_counter() - debut)


# Objects allocated before Python's youngest generation is collected (700 by default). A page
# allocates tens of thousands: collections every few hundred objects, which then walk their
# survivors again, cost 1.5 ms of a 20 ms page (benchmarks/pages.py); 0.5 ms with this.
SEUIL_DES_JEUNES = 5_000


def figer_la_memoire() -> None:
    """What the process holds before its first request (Django, the views, the compiled
    templates: some 180,000 objects) is put out of the garbage collector's reach
    (``gc.freeze``), and the young generation is collected less often. The collector then
    walks only what requests allocate: each full collection took 90 ms instead of 8."""
    gc.collect()
    gc.freeze()
    _, moyenne, vieille = gc.get_threshold()
    gc.set_threshold(SEUIL_DES_JEUNES, moyenne, vieille)
    logger.info("Mémoire figée : %d objets hors du ramasse-miettes", gc.get_freeze_count())
