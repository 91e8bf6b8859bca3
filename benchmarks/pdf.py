"""Time, pages and peak memory of the PDF documents, on the demo data and on a generated plan
of 400 actions; and our overhead: the view's total time against WeasyPrint's own time on the
same HTML (layout and writing).

Usage: .venv/bin/python benchmarks/pdf.py [--plans demo 400] [--runs 3]

Each plan gets a fresh SQLite database in a temporary folder (or the database named by
BENCH_DATABASE_URL, which is emptied: use a scratch database); each document is measured in
a process of its own, so that its peak memory (maximum resident set size) is its own. The
demo is loaded by ``charger_demo``; the generated plan is that of ``benchmarks/pages.py``.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def preparer(plan: str, database_url: str) -> None:
    """Migrate and load ``plan`` into the database (run once per plan)."""
    from pages import setup_django

    setup_django(database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    if plan == "demo":
        from django.conf import settings

        settings.DEBUG = True
        call_command("charger_demo", verbosity=0, stdout=open(os.devnull, "w"))
    else:
        from pages import seed

        seed(int(plan))


def documents() -> dict[str, str]:
    """Document name -> URL, read from the loaded plan."""
    from django.urls import NoReverseMatch, reverse

    from actions.models import Action
    from evaluations.models import Campagne

    action = Action.objects.filter(intitule="Box Marianne").first() or Action.objects.first()
    urls = {
        "fiche": reverse("actions:fiche_pdf", args=[action.pk]),
        "catalogue": reverse("actions:catalogue_pdf"),
    }
    for campagne in Campagne.objects.order_by("annee"):
        etat = "clos" if campagne.est_close else "ouvert"
        try:
            urls[f"dossier {campagne.annee} ({etat})"] = reverse(
                "dossier_bilan", args=[campagne.pk]
            )
        except NoReverseMatch:  # the dossier is not built yet
            pass
    return urls


def mesurer(database_url: str, nom: str, runs: int) -> dict:
    """One document, in this process: median total time, WeasyPrint's time, pages, peak
    memory."""
    from pages import setup_django

    setup_django(database_url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from projet_social import pdf

    # The whole rendering is measured: the request waits for it, however long.
    settings.PDF_ATTENTE_COURTE = settings.PDF_ATTENTE_LONGUE = 3600

    url = documents()[nom]
    client = Client()
    client.force_login(
        get_user_model().objects.filter(groups__name="Agents CCAS").order_by("pk").first()
    )
    mesures = []
    original = pdf.rendre_html

    def chronometre(html):
        debut = time.perf_counter()
        rendu = original(html)
        mesures[-1]["weasyprint"] = time.perf_counter() - debut
        mesures[-1]["pages"] = rendu.pages
        return rendu

    pdf.rendre_html = chronometre
    for _ in range(runs):
        mesures.append({})
        debut = time.perf_counter()
        response = client.get(url)
        mesures[-1]["total"] = time.perf_counter() - debut
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        # Dossiers of closed reviews are kept: only the first run renders.
        if "weasyprint" not in mesures[-1]:
            mesures.pop()
            break
    total = statistics.median(m["total"] for m in mesures)
    weasyprint = statistics.median(m["weasyprint"] for m in mesures)
    return {
        "total": total,
        "weasyprint": weasyprint,
        "surcout": (total - weasyprint) / weasyprint,
        "pages": mesures[0]["pages"],
        "memoire_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "runs": len(mesures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", nargs="+", default=["demo", "400"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preparer", help=argparse.SUPPRESS)
    parser.add_argument("--mesurer", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.preparer:
        preparer(args.preparer, args.base)
        return
    if args.mesurer:
        print(json.dumps(mesurer(args.base, args.mesurer, args.runs)))
        return
    for plan in args.plans:
        with tempfile.TemporaryDirectory() as dossier:
            base = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{dossier}/bench.sqlite3"
            debut = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--preparer", plan, "--base", base], check=True
            )
            print(f"\nplan {plan}: loaded in {time.perf_counter() - debut:.0f} s", flush=True)
            liste = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sys, json; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/benchmarks'];"
                    "from pages import setup_django; setup_django(sys.argv[2]);"
                    # pages.py takes benchmarks/ out of the path (see there): back at its end.
                    "sys.path.append(sys.argv[1] + '/benchmarks');"
                    "import pdf; print(json.dumps(list(pdf.documents())))",
                    str(ROOT),
                    base,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            for nom in json.loads(liste.stdout.strip().splitlines()[-1]):
                runs = 1 if nom == "catalogue" and plan != "demo" else args.runs
                sortie = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--mesurer",
                        nom,
                        "--base",
                        base,
                        "--runs",
                        str(runs),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                m = json.loads(sortie.stdout.strip().splitlines()[-1])
                print(
                    f"  {nom:26s} {m['total']:6.2f} s  (WeasyPrint {m['weasyprint']:6.2f} s, "
                    f"our overhead {100 * m['surcout']:4.1f} %)  {m['pages']:4d} pages  "
                    f"peak {m['memoire_mo']:5.0f} MB  ({m['runs']} run(s))",
                    flush=True,
                )


if __name__ == "__main__":
    main()
