"""Median server time of the main pages with 40 and 400 actions.

Usage: .venv/bin/python benchmarks/pages.py [--runs 30] [--sizes 40 400] [--pages tableau]

Each size gets a fresh SQLite database in a temporary folder (or the database named by
BENCH_DATABASE_URL, which is emptied: use a scratch database), seeded with a plan of that many
actions (4 axes, 5 objectives each), 3 partners, 2 indicators, 3 steps, 2 budget lines and 2
evaluations per action (a 2024 campaign closed with its snapshot, an open 2025 one). Pages are
requested in-process with Django's test client, logged in as an agent, so the figure is the
server's own time (middleware, queries, rendering), without the network. Prints one line per
page and size: median, 90th percentile, query count.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts benchmarks/ first on the path, where benchmarks/import_export.py
# would shadow the django-import-export package: the project's root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projet_social.settings")
    os.environ["DEBUG"] = "1"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]


def seed(nombre: int):
    from tests.actions.factories import (
        ActionFactory,
        ActionPartenaireFactory,
        EtapeFactory,
        IndicateurFactory,
        LigneBudgetFactory,
        PartenaireFactory,
        PublicCibleFactory,
    )
    from tests.axes.factories import (
        AxeFactory,
        BesoinSocialFactory,
        ObjectifFactory,
        ProjetSocialFactory,
    )
    from tests.evaluations.factories import CampagneFactory, EvaluationFactory, MesureFactory
    from tests.factories_utilisateurs import AgentFactory

    projet = ProjetSocialFactory()
    c2024 = CampagneFactory(projet=projet, annee=2024)  # closed once evaluated, below
    c2025 = CampagneFactory(projet=projet, annee=2025)
    agent = AgentFactory(username="bench-agent")
    pilotes = [AgentFactory() for _ in range(8)]
    partenaires = [PartenaireFactory() for _ in range(30)]
    publics = [PublicCibleFactory(libelle=f"Public {n}") for n in range(8)]
    besoins = [BesoinSocialFactory(projet=projet, thematique=f"Besoin {n}") for n in range(12)]
    annee = datetime.date.today().year
    objectifs = [
        ObjectifFactory(axe=axe, numero=n)
        for axe in (AxeFactory(projet=projet, numero=a) for a in range(1, 5))
        for n in range(1, 6)
    ]
    actions = []
    for i in range(nombre):
        objectif = objectifs[i % len(objectifs)]
        action = ActionFactory(
            objectif=objectif,
            numero=i // len(objectifs) + 1,
            pilote=pilotes[i % 8],
            # due over this year and the next, for the dashboard's quarters
            echeance=datetime.date(annee + i % 2, 1 + i % 12, 15),
        )
        action.publics.add(publics[i % 8], publics[(i + 3) % 8])
        action.besoins.add(besoins[i % 10])  # two needs without an action
        for k in range(3):
            ActionPartenaireFactory(action=action, partenaire=partenaires[(i + k) % 30])
        indicateurs = [IndicateurFactory(action=action) for _ in range(2)]
        for k in range(3):
            EtapeFactory(action=action, echeance=datetime.date(annee, 1 + (i + 4 * k) % 12, 10))
        LigneBudgetFactory(action=action, annee=2024)
        LigneBudgetFactory(action=action, annee=2025)
        for campagne in (c2024, c2025):
            evaluation = EvaluationFactory(campagne=campagne, action=action)
            for indicateur in indicateurs:
                MesureFactory(evaluation=evaluation, indicateur=indicateur)
        actions.append(action)
    c2024.clore(agent)  # writes its snapshot, as the review page reads it
    return agent, actions, c2024, c2025


def measure(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up: templates, caches
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    durations.sort()
    p90 = durations[int(len(durations) * 0.9) - 1]
    return statistics.median(durations), p90, len(queries)


def run_size(size: int, runs: int, only: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        setup_django(os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3")
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        call_command("migrate", verbosity=0)
        call_command("flush", "--noinput", verbosity=0)
        debut = time.perf_counter()
        agent, actions, close, campagne = seed(size)
        print(f"\n{size} actions: seeded in {time.perf_counter() - debut:.0f} s", flush=True)
        client = Client()
        client.force_login(agent)
        milieu = actions[len(actions) // 2]
        pages = {
            "tableau de bord": reverse("home"),
            "tableau de bord, Bilan 2024 clos": reverse("home") + f"?bilan={close.pk}&comparer=",
            "plan (arbre)": reverse("axes:plan"),
            "liste des actions": reverse("actions:liste"),
            "liste filtrée + recherche": reverse("actions:liste") + "?q=action&statut=en_cours",
            # Words matched through the pilote, service, partners and publics; an objective's
            # number.
            "liste, recherche sur plusieurs mots": reverse("actions:liste") + "?q=agent+pole",
            "liste, recherche d'un objectif": reverse("actions:liste") + "?q=2.3",
            "fiche action": reverse("actions:detail", args=[milieu.pk]),
            "formulaire de fiche": reverse("actions:modifier", args=[milieu.pk]),
            "page du bilan ouvert": reverse("evaluations:campagne", args=[campagne.pk]),
            "page du bilan clos": reverse("evaluations:campagne", args=[close.pk]),
            "liste des bilans": reverse("evaluations:campagnes"),
            "formulaire d'évaluation": reverse(
                "evaluations:evaluer", kwargs={"campagne_pk": campagne.pk, "action_pk": milieu.pk}
            ),
            "concertation": reverse("evaluations:concertation"),
        }
        print(f"{size} actions ({runs} runs each)", flush=True)
        for name, page_url in pages.items():
            if only and not any(mot in name for mot in only):
                continue
            median, p90, queries = measure(client, page_url, runs)
            print(
                f"  {name:28s} median {median:7.1f} ms   p90 {p90:7.1f} ms   {queries} queries",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 400])
    parser.add_argument(
        "--pages", nargs="*", default=[], help="only the pages whose name has one of these words"
    )
    args = parser.parse_args()
    if len(args.sizes) == 1:
        run_size(args.sizes[0], args.runs, args.pages)
        return
    # Django is set up once per process: one process per size.
    for size in args.sizes:
        subprocess.run(
            [sys.executable, __file__, "--sizes", str(size), "--runs", str(args.runs)]
            + (["--pages", *args.pages] if args.pages else []),
            check=True,
        )


if __name__ == "__main__":
    main()
