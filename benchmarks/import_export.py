"""Time and peak memory of the whole-plan workbook: its export, its import as a dry run and
for real, on the demo data and on a generated plan of 400 actions.

Usage: .venv/bin/python benchmarks/import_export.py [--plans demo 400] [--runs 5]

Each plan gets a fresh SQLite database in a temporary folder (or the database named by
BENCH_DATABASE_URL, which is emptied: use a scratch database), in a process of its own. The
demo is loaded by ``charger_demo``; the generated plan is that of ``benchmarks/pages.py``
(4 axes, 20 objectives, 30 partners, per action 2 indicators, 3 steps, 2 budget lines and
2 evaluations with their measures). Measured, median of the runs:

- export: ``exporter_classeur`` of the plan;
- import unchanged, dry run: the export read back into its own plan (every row compared);
- import one edit: the export with one cell changed, for real (one row saved);
- import into an empty database, dry run then for real: every row created (the plan's rows
  deleted first, user accounts kept since the workbook names pilots by their login);
- the browser's import, as an agent with Django's test client (the server's own time, without
  the network): the upload and its preview page, then the confirmation and its page, for the
  one-cell edit and into an empty database.

Peak memory is Python's own allocations during the step (tracemalloc, a separate run, since
tracing slows the code down); the process's maximum resident set size is printed at the end.
"""

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This script is named like the django-import-export package: its folder, which Python puts
# first on the path, would shadow it. The other benchmarks are reached as ``benchmarks.x``.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))


def preparer(plan: str, database_url: str) -> None:
    from benchmarks.pages import setup_django

    setup_django(database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    if plan == "demo":
        from django.conf import settings

        settings.DEBUG = True
        call_command("charger_demo", verbosity=0, stdout=open(os.devnull, "w"))
    else:
        from benchmarks.pages import seed

        seed(int(plan))


def vider_le_plan() -> None:
    """Delete every row of every plan; user accounts stay."""
    from actions.models import (
        Action,
        ActionPartenaire,
        Etape,
        Indicateur,
        LigneBudget,
        Partenaire,
        PublicCible,
    )
    from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
    from evaluations.models import Campagne, Evaluation, Mesure, Reunion

    for model in (
        Mesure,
        Evaluation,
        Reunion,
        Campagne,
        ActionPartenaire,
        LigneBudget,
        Etape,
        Indicateur,
        Action,
        Objectif,
        Axe,
        BesoinSocial,
        Partenaire,
        PublicCible,
        ProjetSocial,
    ):
        model.objects.all().delete()


def mesurer(fonction, runs: int) -> tuple[float, float]:
    """(median seconds over ``runs``, peak MiB of Python allocations in one more run)."""
    durees = []
    for _ in range(runs):
        debut = time.perf_counter()
        fonction()
        durees.append(time.perf_counter() - debut)
    tracemalloc.start()
    fonction()
    _, pic = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(durees), pic / (1024 * 1024)


def afficher(nom: str, duree: float, pic: float, detail: str = "") -> None:
    print(f"  {nom:38s} {duree * 1000:8.0f} ms   pic {pic:6.1f} Mio   {detail}", flush=True)


class Navigateur:
    """An agent's browser session (Django's test client) importing a workbook."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.test import Client

        from projet_social.roles import AGENTS

        agent, _ = get_user_model().objects.get_or_create(username="bench.import")
        agent.groups.add(Group.objects.get(name=AGENTS))
        self.client = Client()
        self.client.force_login(agent)

    def importer(self, donnees: bytes, projet) -> tuple[float, float]:
        """(seconds of the upload with its preview page, seconds of the confirmation)."""
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.urls import reverse

        from projet_social.models import ImportClasseur

        debut = time.perf_counter()
        reponse = self.client.post(
            reverse("import_classeur"), {"fichier": SimpleUploadedFile("plan.xlsx", donnees)}
        )
        assert reponse.status_code == 302, reponse.status_code
        assert self.client.get(reponse["Location"]).status_code == 200
        milieu = time.perf_counter()
        record = ImportClasseur.objects.filter(projet=projet).latest("pk")
        assert record.statut == ImportClasseur.Statut.PREVISUALISE, record.rapport
        reponse = self.client.post(
            reverse("import", args=[record.pk]), {"jeton": record.jeton, "confirmer": ""}
        )
        assert self.client.get(reponse["Location"]).status_code == 200
        fin = time.perf_counter()
        record.refresh_from_db()
        assert record.statut == ImportClasseur.Statut.ENREGISTRE, record.motif
        return milieu - debut, fin - milieu


def mesurer_navigateur(navigateur, titre: str, preparer_la_base, fichiers: list, runs: int):
    """The browser's import of ``fichiers[0]`` (the list turns each run) into the plan that
    ``preparer_la_base()`` returns: median times of the preview and of the confirmation."""
    apercus, confirmations, pics = [], [], []
    for rang in range(runs + 1):
        cible = preparer_la_base()
        if rang == runs:
            tracemalloc.start()
        apercu, confirmation = navigateur.importer(fichiers[0], cible)
        fichiers.reverse()
        if rang == runs:
            pics.append(tracemalloc.get_traced_memory()[1] / (1024 * 1024))
            tracemalloc.stop()
        else:
            apercus.append(apercu)
            confirmations.append(confirmation)
    apercu, confirmation = statistics.median(apercus), statistics.median(confirmations)
    afficher(
        titre,
        apercu + confirmation,
        pics[0],
        f"dépôt et prévisualisation {apercu * 1000:.0f} ms + confirmation "
        f"{confirmation * 1000:.0f} ms",
    )


def run_plan(plan: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as dossier:
        preparer(plan, os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{dossier}/b.sqlite3")
        from openpyxl import load_workbook

        from axes.models import ProjetSocial
        from projet_social.classeur import exporter_classeur, importer_classeur

        projet = ProjetSocial.objects.courant()
        contenu = exporter_classeur(projet)
        lignes = sum(
            feuille.max_row - 1
            for feuille in load_workbook(io.BytesIO(contenu), read_only=True).worksheets[1:-1]
        )
        print(f"\n{plan}: {lignes} lignes, classeur de {len(contenu) / 1024:.0f} Kio", flush=True)

        afficher("export", *mesurer(lambda: exporter_classeur(projet), runs))

        def inchange():
            rapport = importer_classeur(contenu, projet, None, dry_run=True)
            assert not rapport.refuse and not any(
                b.creees or b.modifiees for b in rapport.feuilles.values()
            ), rapport.texte()

        afficher("import inchangé, simulation", *mesurer(inchange, runs))

        classeur = load_workbook(io.BytesIO(contenu))
        classeur["Actions"]["C2"] = "Un intitulé changé"
        sortie = io.BytesIO()
        classeur.save(sortie)
        # Each run imports the other version: always one row saved.
        versions = [sortie.getvalue(), contenu]

        def une_modification():
            rapport = importer_classeur(versions[0], projet, None)
            versions.reverse()
            assert len(rapport.feuilles["Actions"].modifiees) == 1, rapport.texte()

        afficher("import d'une cellule modifiée", *mesurer(une_modification, runs))
        navigateur = Navigateur()
        mesurer_navigateur(
            navigateur, "navigateur, une cellule modifiée", lambda: projet, versions, runs
        )

        champs = {
            champ: getattr(projet, champ)
            for champ in ("intitule", "structure", "annee_debut", "annee_fin", "statut")
        }

        def base_vide() -> ProjetSocial:
            vider_le_plan()
            return ProjetSocial.objects.create(**champs)

        vide = base_vide()

        def simulation_base_vide():
            rapport = importer_classeur(contenu, vide, None, dry_run=True)
            assert not rapport.refuse, rapport.texte()

        afficher("import dans une base vide, simulation", *mesurer(simulation_base_vide, runs))

        durees, pics = [], []
        for rang in range(runs + 1):
            cible = base_vide()
            if rang == runs:
                tracemalloc.start()
            debut = time.perf_counter()
            rapport = importer_classeur(contenu, cible, None)
            duree = time.perf_counter() - debut
            if rang == runs:
                pics.append(tracemalloc.get_traced_memory()[1] / (1024 * 1024))
                tracemalloc.stop()
            else:
                durees.append(duree)
            assert rapport.enregistre, rapport.texte()
        creees = sum(b.creees for b in rapport.feuilles.values())
        afficher(
            "import dans une base vide, réel",
            statistics.median(durees),
            pics[0],
            f"{creees} lignes créées",
        )
        mesurer_navigateur(navigateur, "navigateur, base vide", base_vide, [contenu], runs)
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  processus : {maxrss:.0f} Mio de mémoire résidente au plus", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", nargs="+", default=["demo", "400"])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if len(args.plans) == 1:
        run_plan(args.plans[0], args.runs)
        return
    # Django is set up once per process: one process per plan.
    for plan in args.plans:
        subprocess.run(
            [sys.executable, __file__, "--plans", plan, "--runs", str(args.runs)], check=True
        )


if __name__ == "__main__":
    main()
