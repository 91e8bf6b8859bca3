"""Render time and page count of the dossier of each review of the demo.

Usage: make demo && .venv/bin/python benchmarks/dossier.py [--runs 3] [--sortie /tmp/dossiers]

Reads the database of the settings (the demo that ``make demo`` loads) and writes nothing to
it: each run builds the dossier's context and renders it as the view does when no dossier is
kept (``projet_social.views.dossier``), so a closed review is rendered too. Prints, for each
review: the median time (template, WeasyPrint, total), the page count and the queries;
``--sortie`` writes the PDFs there, to look at them (``pdftoppm -png -r 60``).
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sortie", type=Path)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projet_social.settings")
    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluations.models import Campagne
    from projet_social import pdf
    from projet_social.views.dossier import GABARIT, contexte_du_dossier

    if arguments.sortie:
        arguments.sortie.mkdir(parents=True, exist_ok=True)
    for campagne in Campagne.objects.select_related("projet").order_by("projet", "annee"):
        mesures = []
        for _ in range(arguments.runs):
            debut = time.perf_counter()
            with CaptureQueriesContext(connection) as requetes:
                contexte = contexte_du_dossier(campagne.projet, campagne)
                rendu = pdf.rendre(GABARIT, contexte)
            mesures.append((rendu.secondes_html, rendu.secondes_pdf, time.perf_counter() - debut))
        html, mise_en_page, total = (statistics.median(m[i] for m in mesures) for i in range(3))
        etat = "clos" if campagne.est_close else "ouvert"
        print(
            f"{campagne} ({etat}): {total:.2f} s (gabarit {html:.2f} s, WeasyPrint "
            f"{mise_en_page:.2f} s), {rendu.pages} pages, {len(requetes)} requêtes"
        )
        if arguments.sortie:
            nom = pdf.nom_de_fichier("bilan", str(campagne.annee), campagne.projet.structure)
            (arguments.sortie / nom).write_bytes(rendu.contenu)


if __name__ == "__main__":
    main()
