"""Load benchmark: agents and élus using the production setup at once, measured from outside.

Usage: .venv/bin/python benchmarks/load.py [--workers 5] [--threads 1] [--phases 50:120 100:60]

What it does, on this machine only (loopback), bounded in time:
1. a scratch PostgreSQL database (default projet_social_charge, dropped and created again;
   BENCH_PG_URL names the server), migrated and loaded with the Gouesnou demo (charger_demo,
   with DEBUG=1 as on a laptop), plus one account per simulated user: agents charge-agent-NN
   and élus charge-elu-NN, password MOT_DE_PASSE;
2. gunicorn as `make serve` starts it (DEBUG=0, deploy/gunicorn.conf.py, static files through
   WhiteNoise after collectstatic), with --workers/--threads;
3. locust, headless, with this file as its locustfile: 2 agents for 3 élus log in (page, then
   form), then browse (dashboard, plan, list, fiche, review), download PDFs (fiche, review
   dossier; the catalogue of every fiche once, by one élu in ten), and agents edit fiches and
   evaluations as a browser does (GET the form, POST back every field, hidden version
   included, with one field changed);
   phases of N users for S seconds (default 50 for 120 s, then 100 for 60 s);
4. a report: requests per second and median / p95 / p99 per page, separately for each log-in
   burst (from a phase's start to its last log-in) and for the steady state after it; errors;
   conflicts (409: the app refused a save because someone saved first, which is its job);
   then a check that no edit was lost: every save the app confirmed (302) left exactly one
   history row carrying its own mark, and no refused save left one.
"""

import argparse
import collections
import itertools
import json
import os
import random
import re
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# The code served: this checkout, or another one (--racine: an earlier commit, to compare).
RACINE = ROOT
PYTHON = sys.executable
MOT_DE_PASSE = "charge-projet-social-2026"
MARQUE = re.compile(r"\s*\[charge [a-z0-9-]+\]$")
# How the app tells a refused save (409): the conflict box, or the message of an evaluation
# whose fiche was saved meanwhile.
SIGNES_DE_CONFLIT = ('id="conflit"', "modifiée par quelqu")


# --- A browser's reading of a form ------------------------------------------------------------


class _Formulaires(HTMLParser):
    """The forms of a page, as a browser would submit them: (name, value) pairs in document
    order, checked boxes only, selected options (the first one when none is), textareas
    without their leading newline, nothing inside a <template> (the rows a script copies);
    plus each select's options, to choose a valid one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.formulaires: list[dict] = []
        self._courant: dict | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._zone: dict | None = None
        self._modeles = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "template":
            self._modeles += 1
        if self._modeles:
            return
        if tag == "form":
            self._courant = {
                "method": a.get("method", "get").lower(),
                "action": a.get("action", ""),
                "champs": [],
                "options": {},
            }
            self.formulaires.append(self._courant)
            return
        if self._courant is None or "disabled" in a:
            return
        nom = a.get("name")
        if tag == "input" and nom:
            genre = a.get("type", "text").lower()
            if genre in {"submit", "button", "image", "reset", "file"}:
                return
            if genre in {"checkbox", "radio"} and "checked" not in a:
                return
            self._courant["champs"].append(
                [nom, a.get("value", "on" if genre in {"checkbox", "radio"} else "")]
            )
        elif tag == "textarea" and nom:
            self._zone = {"nom": nom, "texte": ""}
        elif tag == "select" and nom:
            self._select = {"nom": nom, "multiple": "multiple" in a, "options": [], "choisies": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "texte": "", "selected": "selected" in a}

    def handle_data(self, data: str) -> None:
        if self._zone is not None:
            self._zone["texte"] += data
        if self._option is not None:
            self._option["texte"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._modeles = max(0, self._modeles - 1)
            return
        if self._modeles:
            return
        if tag == "textarea" and self._zone is not None:
            texte = self._zone["texte"]
            texte = texte[1:] if texte.startswith("\n") else texte
            self._courant["champs"].append([self._zone["nom"], texte])
            self._zone = None
        elif tag == "option" and self._option is not None:
            self._fermer_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._fermer_option()
            select = self._select
            valeurs = select["choisies"]
            if not valeurs and not select["multiple"] and select["options"]:
                valeurs = [select["options"][0]]
            for valeur in valeurs:
                self._courant["champs"].append([select["nom"], valeur])
            self._courant["options"][select["nom"]] = select["options"]
            self._select = None
        elif tag == "form":
            self._courant = None

    def _fermer_option(self) -> None:
        option = self._option
        valeur = option["value"] if option["value"] is not None else option["texte"].strip()
        self._select["options"].append(valeur)
        if option["selected"]:
            self._select["choisies"].append(valeur)
        self._option = None


def formulaire(html: str, champ: str) -> dict | None:
    """The POST form of the page that has a field named ``champ``."""
    lecteur = _Formulaires()
    lecteur.feed(html)
    for form in lecteur.formulaires:
        if form["method"] == "post" and any(nom == champ for nom, _ in form["champs"]):
            return form
    return None


def remplacer(form: dict, nom: str, valeur: str) -> None:
    for champ in form["champs"]:
        if champ[0] == nom:
            champ[1] = valeur
            return
    form["champs"].append([nom, valeur])


def valeur(form: dict, nom: str) -> str | None:
    return next((v for n, v in form["champs"] if n == nom), None)


# --- The simulated users (this module is also locust's locustfile) ----------------------------

if __name__ != "__main__":
    from urllib.parse import urlencode

    import gevent
    from locust import LoadTestShape, between, events, task
    from locust.contrib.fasthttp import FastHttpUser

    FORMULAIRE = {"Content-Type": "application/x-www-form-urlencoded"}

    DONNEES = json.loads(Path(os.environ["CHARGE_DONNEES"]).read_text(encoding="utf-8"))
    JOURNAL: list = []
    SAUVEGARDES: list = []
    CONNEXIONS: list = []
    DOCUMENTS: list = []  # (asked at, name, seconds until the user has it, via the page)
    PHASES = [tuple(map(int, p.split(":"))) for p in os.environ["CHARGE_PHASES"].split()]
    CADENCE = float(os.environ.get("CHARGE_CADENCE", "10"))
    ATTENTE = tuple(float(x) for x in os.environ.get("CHARGE_ATTENTE", "2:6").split(":"))
    SANS_PDF = os.environ.get("CHARGE_SANS_PDF") == "1"
    NUMEROS = {"agent": itertools.count(), "elu": itertools.count()}

    @events.request.add_listener
    def _noter(request_type, name, response_time, response_length, exception, **kw) -> None:
        reponse = kw.get("response")
        statut = getattr(reponse, "status_code", 0)
        genre = "erreur" if exception else "ok"
        if not exception and statut == 409 and (kw.get("context") or {}).get("conflit_attendu"):
            genre = "conflit"
        # Bytes on the wire: the compressed length when the server compressed.
        octets = int(getattr(reponse, "headers", {}).get("Content-Length") or response_length or 0)
        JOURNAL.append((time.time(), name, response_time, genre, statut, octets))

    @events.quitting.add_listener
    def _ecrire(environment, **kw) -> None:
        Path(os.environ["CHARGE_JOURNAL"]).write_text(
            json.dumps(
                {
                    "requetes": JOURNAL,
                    "sauvegardes": SAUVEGARDES,
                    "connexions": CONNEXIONS,
                    "documents": DOCUMENTS,
                }
            ),
            encoding="utf-8",
        )

    class Phases(LoadTestShape):
        """N users for S seconds, phase after phase; then the run stops by itself."""

        def tick(self):
            ecoule = self.get_run_time()
            for utilisateurs, duree in PHASES:
                if ecoule < duree:
                    return utilisateurs, CADENCE
                ecoule -= duree
            return None

    # FastHttpUser (geventhttpclient): a fraction of the processor time of requests' client,
    # which matters when the simulated users share the server's two cores.
    class Lecteur(FastHttpUser):
        abstract = True
        wait_time = between(*ATTENTE)
        genre = ""

        def on_start(self) -> None:
            numero = next(NUMEROS[self.genre]) % DONNEES["comptes"][self.genre]
            self.identifiant = f"charge-{self.genre}-{numero:02d}"
            self.numero = numero
            self.sauvegardes = itertools.count(1)
            page = self.client.get("/connexion/", name="connexion (page)")
            form = formulaire(page.text, "password")
            if form is None:
                raise RuntimeError("page de connexion sans formulaire")
            remplacer(form, "username", self.identifiant)
            remplacer(form, "password", MOT_DE_PASSE)
            with self.client.post(
                "/connexion/",
                data=urlencode([tuple(champ) for champ in form["champs"]]),
                headers=FORMULAIRE,
                name="connexion (envoi)",
                allow_redirects=False,
                catch_response=True,
            ) as reponse:
                if reponse.status_code != 302:
                    reponse.failure(f"connexion refusée ({reponse.status_code})")
                    return
            self.client.get("/", name="tableau de bord")
            CONNEXIONS.append(time.time())

        def _action(self) -> int:
            return random.choice(DONNEES["actions"])

        @task(6)
        def tableau_de_bord(self) -> None:
            self.client.get("/", name="tableau de bord")

        @task(3)
        def plan(self) -> None:
            self.client.get("/plan/", name="plan")

        @task(3)
        def liste(self) -> None:
            if random.random() < 0.5:
                self.client.get("/actions/", name="liste des actions")
            else:
                mot = random.choice(["aidants", "logement", "seniors", "insertion", "numérique"])
                self.client.get(f"/actions/?q={mot}", name="liste des actions (recherche)")

        @task(6)
        def fiche(self) -> None:
            self.client.get(f"/actions/{self._action()}/", name="fiche action")

        @task(2)
        def bilan(self) -> None:
            self.client.get(f"/bilans/{DONNEES['bilan_ouvert']}/", name="page du bilan ouvert")

        def _document(self, url: str, nom: str) -> None:
            """A PDF as a user gets it: at once, or after the « en préparation » page, whose
            script asks every 3 s (HEAD) whether it is ready; then its button."""
            debut = time.time()
            with self.client.get(url, name=nom, catch_response=True) as reponse:
                if reponse.status_code == 202:
                    adresse = re.search(r'href="(/documents/[0-9a-f]+/)"', reponse.text)
                    if adresse is None:
                        reponse.failure("page « en préparation » sans lien")
                        return
                    reponse.success()
            if reponse.status_code != 202:
                DOCUMENTS.append((debut, nom, time.time() - debut, False))
                return
            for _ in range(200):
                gevent.sleep(3)
                etat = self.client.request(
                    "HEAD", adresse.group(1), name=f"{nom} : le script demande s'il est prêt"
                )
                if etat.status_code != 202:
                    break
            self.client.get(adresse.group(1), name=f"{nom} : téléchargement une fois prêt")
            DOCUMENTS.append((debut, nom, time.time() - debut, True))

        @task(2)
        def fiche_pdf(self) -> None:
            if SANS_PDF:
                return self.fiche()
            self._document(f"/actions/{self._action()}/fiche.pdf", "fiche (PDF)")

    class Elu(Lecteur):
        weight = 3
        genre = "elu"

        def on_start(self) -> None:
            super().on_start()
            self.catalogue = self.numero % 10 == 0  # preparing a meeting: the whole plan

        @task(3)
        def catalogue_pdf(self) -> None:
            if not self.catalogue or SANS_PDF:
                return self.fiche()
            self.catalogue = False
            self._document("/actions/catalogue.pdf", "catalogue des fiches (PDF)")

        @task(1)
        def dossier_pdf(self) -> None:
            if SANS_PDF:
                return self.plan()
            self._document(
                f"/bilans/{DONNEES['bilan_clos']}/dossier.pdf", "dossier du bilan clos (PDF)"
            )

        @task(1)
        def mes_actions(self) -> None:
            self.client.get("/actions/mes-actions/", name="mes actions")

    class Agent(Lecteur):
        weight = 2
        genre = "agent"

        def _enregistrer(self, quoi: str, url: str, champ: str, completer=None) -> None:
            """GET the form, POST it back with ``champ`` marked, as the browser does."""
            page = self.client.get(url, name=f"formulaire {quoi}")
            form = formulaire(page.text, "version")
            if form is None:
                return  # read-only (a closed review): nothing to save
            marque = f"[charge {self.genre[0]}{self.numero:02d}-{next(self.sauvegardes)}]"
            ancien = MARQUE.sub("", valeur(form, champ) or "")
            remplacer(form, champ, f"{ancien} {marque}".strip())
            if completer:
                completer(form)
            time.sleep(random.uniform(3, 10))  # typing: a colleague may save meanwhile
            with self.client.post(
                form["action"] or url,
                data=urlencode([tuple(champ) for champ in form["champs"]]),
                headers=FORMULAIRE,
                name=f"enregistrement {quoi}",
                allow_redirects=False,
                catch_response=True,
                context={"conflit_attendu": True},
            ) as reponse:
                if reponse.status_code == 302:
                    SAUVEGARDES.append((quoi, marque, "enregistree"))
                    reponse.success()
                elif reponse.status_code == 409 and any(
                    signe in reponse.text for signe in SIGNES_DE_CONFLIT
                ):
                    SAUVEGARDES.append((quoi, marque, "conflit"))
                    reponse.success()  # the app's answer to two saves at once, not a fault
                else:
                    SAUVEGARDES.append((quoi, marque, "refusee"))
                    reponse.failure(f"enregistrement refusé ({reponse.status_code})")
                    return
            if reponse.status_code == 302:
                self.client.get(reponse.headers["Location"], name=f"après enregistrement {quoi}")

        @task(3)
        def modifier_fiche(self) -> None:
            self._enregistrer("fiche", f"/actions/{self._action()}/modifier/", "moyens_materiels")

        @task(3)
        def evaluer(self) -> None:
            def completer(form: dict) -> None:
                if not valeur(form, "taux_realisation"):
                    remplacer(form, "taux_realisation", str(random.randint(10, 90)))
                if not valeur(form, "appreciation"):
                    choix = [o for o in form["options"].get("appreciation", []) if o]
                    remplacer(form, "appreciation", choix[0] if choix else "")

            self._enregistrer(
                "evaluation",
                f"/bilans/{DONNEES['bilan_ouvert']}/actions/{self._action()}/",
                "points_forts",
                completer,
            )


# --- The run: database, server, locust, report ------------------------------------------------


def _url_base(nom: str) -> str:
    serveur = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    return f"{serveur.rstrip('/')}/{nom}"


def _pg(commande: list[str], url: str) -> None:
    parties = urlsplit(url)
    environ = dict(os.environ)
    if parties.password:
        environ["PGPASSWORD"] = parties.password
    subprocess.run(
        [*commande, "-h", parties.hostname or "127.0.0.1", "-p", str(parties.port or 5432)]
        + ["-U", parties.username or "postgres"],
        check=True,
        env=environ,
    )


def _manage(environ: dict, *args: str, capture: bool = False) -> str:
    resultat = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=RACINE,
        env=environ,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    return resultat.stdout or ""


PREPARER = """
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from actions.models import Action
from evaluations.models import Campagne
from projet_social import roles

User = get_user_model()
mot_de_passe = make_password({mot!r})  # one hash (same password): accounts in a second
comptes = {comptes!r}
for genre, groupe, staff in (("agent", roles.AGENTS, True), ("elu", roles.ELUS, False)):
    groupe = Group.objects.get(name=groupe)
    for numero in range(comptes[genre]):
        user, _ = User.objects.update_or_create(
            username=f"charge-{{genre}}-{{numero:02d}}",
            defaults={{"password": mot_de_passe, "is_staff": staff, "first_name": genre,
                       "last_name": f"Charge {{numero}}"}},
        )
        user.groups.set([groupe])
ouverte = Campagne.objects.ouvertes().order_by("-annee").first()
close = Campagne.objects.exclude(pk=ouverte.pk).order_by("-annee").first()
print(json.dumps({{
    "actions": list(Action.objects.exclude(statut="abandonnee").values_list("pk", flat=True)),
    "bilan_ouvert": ouverte.pk,
    "bilan_clos": close.pk,
    "comptes": comptes,
    "hasher": settings.PASSWORD_HASHERS[0],
}}))
"""

VERIFIER = """
import json, re
from django.utils.dateparse import parse_datetime
from actions.models import Action
from evaluations.models import Evaluation
debut = parse_datetime({debut!r})
marque = re.compile(r"\\[charge [a-z0-9-]+\\]")
resultat = {{}}
for quoi, modele, champ in (("fiche", Action, "moyens_materiels"),
                            ("evaluation", Evaluation, "points_forts")):
    # "+": the first evaluation of an action in the review is created by its first save.
    lignes = modele.history.filter(history_date__gte=debut, history_type__in=["+", "~"])
    if quoi == "fiche":  # not the rows an evaluation wrote on its fiche (a new status...)
        lignes = lignes.filter(history_change_reason__isnull=True)
    valeurs = list(lignes.values_list(champ, flat=True))
    resultat[quoi] = {{
        "lignes": len(valeurs),
        "marques": sorted({{m for v in valeurs for m in marque.findall(v or "")[-1:]}}),
        "en_base": sorted({{m for v in modele.objects.values_list(champ, flat=True)
                            for m in marque.findall(v or "")}}),
    }}
print(json.dumps(resultat))
"""


def preparer(nom_base: str, comptes: dict, reprendre: bool = False) -> tuple[dict, dict]:
    """The scratch database, anew (or as the previous run left it, with ``reprendre``)."""
    url = _url_base(nom_base)
    environ = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    for variable in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"):
        environ.pop(variable, None)
    if not reprendre:
        _pg(["dropdb", "--if-exists", nom_base], url)
        _pg(["createdb", nom_base], url)
        _manage(environ, "migrate", "--noinput")
        _manage(environ, "charger_demo")
    donnees = json.loads(
        _manage(
            environ, "shell", "-c", PREPARER.format(mot=MOT_DE_PASSE, comptes=comptes), capture=True
        )
        .strip()
        .splitlines()[-1]
    )
    return donnees, environ


# --gzip: the project's settings plus Django's GZipMiddleware, for this run only (see the
# README, « Capacité », for why the project does not compress its pages).
REGLAGES_GZIP = """
from projet_social.settings import *  # noqa: F403
MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *MIDDLEWARE]  # noqa: F405
"""


def demarrer_serveur(
    environ: dict, port: int, workers: int, threads: int, dossier: Path, gzip: bool = False
):
    production = {
        **environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_COOKIES": "0",
        "STATIC_ROOT": str(dossier / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "LOG_LEVEL": "WARNING",
    }
    if gzip:
        (dossier / "reglages_gzip.py").write_text(REGLAGES_GZIP, encoding="utf-8")
        production["PYTHONPATH"] = str(dossier)
        production["DJANGO_SETTINGS_MODULE"] = "reglages_gzip"
    _manage(production, "collectstatic", "--noinput", "--verbosity", "0")
    journal = (dossier / "gunicorn.log").open("w")
    serveur = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "projet_social.wsgi"]
        + ["--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
        + ["--access-logfile", str(dossier / "acces.log")],
        cwd=RACINE,
        env=production,
        stdout=journal,
        stderr=subprocess.STDOUT,
    )
    import urllib.request

    for _ in range(60):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return serveur
        except OSError:
            time.sleep(0.5)
    serveur.terminate()
    raise SystemExit(f"gunicorn n'a pas démarré : voir {dossier / 'gunicorn.log'}")


def temps_cpu(pid: int) -> float:
    """CPU seconds used by gunicorn: the master, its live workers and those it has reaped."""
    tic = os.sysconf("SC_CLK_TCK")

    def champs(p: int) -> list[str]:
        texte = Path(f"/proc/{p}/stat").read_text()
        return texte[texte.rindex(")") + 2 :].split()

    maitre = champs(pid)
    total = sum(int(x) for x in maitre[11:15])  # utime, stime, cutime, cstime
    for enfant in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            total += sum(int(x) for x in champs(int(enfant))[11:13])
        except FileNotFoundError:
            pass
    return total / tic


def machine_occupee() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    valeurs = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    inactif = valeurs[3] + valeurs[4]
    tic = os.sysconf("SC_CLK_TCK")
    return (sum(valeurs) - inactif) / tic, sum(valeurs) / tic


def _quantile(valeurs: list[float], q: float) -> float:
    valeurs = sorted(valeurs)
    return valeurs[min(len(valeurs) - 1, max(0, round(q * len(valeurs)) - 1))]


def rapport(journal: dict, debut: float, phases: list[tuple[int, int]]) -> dict:
    """Windows: each phase's log-in burst (its start to its last log-in), then its steady state."""
    connexions = sorted(journal["connexions"])
    fenetres = []
    t0 = debut
    deja = 0
    for utilisateurs, duree in phases:
        fin = t0 + duree
        nouvelles = connexions[deja:utilisateurs] if utilisateurs > deja else []
        fin_montee = min(fin, max(nouvelles) + 1) if nouvelles else t0
        if fin_montee > t0:
            fenetres.append((f"{utilisateurs} utilisateurs, connexions", t0, fin_montee))
        fenetres.append((f"{utilisateurs} utilisateurs, régime établi", fin_montee, fin))
        deja = max(deja, utilisateurs)
        t0 = fin
    resultats = {}
    for nom, a, b in fenetres:
        lignes = [r for r in journal["requetes"] if a <= r[0] < b]
        par_page = collections.defaultdict(list)
        erreurs = collections.Counter()
        conflits = 0
        tailles = collections.defaultdict(list)
        for _, page, duree, genre, statut, octets in lignes:
            par_page[page].append(duree)
            tailles[page].append(octets)
            if genre == "erreur":
                erreurs[f"{page} ({statut})"] += 1
            elif genre == "conflit":
                conflits += 1
        resultats[nom] = {
            "duree_s": round(b - a, 1),
            "requetes": len(lignes),
            "requetes_par_s": round(len(lignes) / (b - a), 1) if b > a else 0,
            "erreurs": dict(erreurs),
            "conflits": conflits,
            "pages": {
                page: _mesures(durees, tailles[page]) for page, durees in sorted(par_page.items())
            },
        }
        # Every request but the PDFs, whose seconds of work would hide the pages' milliseconds.
        pages = [r for r in lignes if "PDF" not in r[1]]
        if pages:
            resultats[nom]["pages"]["ensemble hors PDF"] = _mesures(
                [r[2] for r in pages], [r[5] for r in pages]
            )
    return resultats


def rapport_des_documents(documents: list) -> dict:
    """Per PDF: how long until the user has it (at once, or through the « en préparation »
    page and its script, which asks every 3 s)."""
    par_nom = collections.defaultdict(list)
    for _, nom, secondes, par_la_page in documents:
        par_nom[nom].append((secondes, par_la_page))
    return {
        nom: {
            "n": len(mesures),
            "par_la_page": sum(1 for _, page in mesures if page),
            "median_s": round(statistics.median(s for s, _ in mesures), 2),
            "max_s": round(max(s for s, _ in mesures), 2),
        }
        for nom, mesures in sorted(par_nom.items())
    }


def _mesures(durees: list[float], tailles: list[int]) -> dict:
    return {
        "n": len(durees),
        "median_ms": round(statistics.median(durees)),
        "p95_ms": round(_quantile(durees, 0.95)),
        "p99_ms": round(_quantile(durees, 0.99)),
        "ko": round(statistics.median(tailles) / 1024, 1),
    }


def verifier(environ: dict, debut_iso: str, sauvegardes: list) -> dict:
    """No edit lost: each confirmed save's mark is in exactly one new history row, and
    nothing else is."""
    base = json.loads(
        _manage(environ, "shell", "-c", VERIFIER.format(debut=debut_iso), capture=True)
        .strip()
        .splitlines()[-1]
    )
    bilan = {}
    for quoi in ("fiche", "evaluation"):
        confirmees = {m for q, m, etat in sauvegardes if q == quoi and etat == "enregistree"}
        refusees = {m for q, m, etat in sauvegardes if q == quoi and etat != "enregistree"}
        historique = set(base[quoi]["marques"])
        bilan[quoi] = {
            "enregistrements_confirmes": len(confirmees),
            "conflits": sum(1 for q, _, e in sauvegardes if q == quoi and e == "conflit"),
            "refus": sum(1 for q, _, e in sauvegardes if q == quoi and e == "refusee"),
            "lignes_d_historique": base[quoi]["lignes"],
            "perdus": sorted(confirmees - historique),
            "refuses_mais_enregistres": sorted(refusees & historique),
            "aucune_perte": base[quoi]["lignes"] == len(confirmees) and historique == confirmees,
        }
    return bilan


def afficher(resultats: dict, documents: dict, bilan: dict, contexte: dict) -> None:
    print(f"\n== {contexte['titre']} ==")
    print(
        f"{contexte['requetes']} requêtes en {contexte['duree_s']} s ; gunicorn a utilisé "
        f"{contexte['cpu_gunicorn_s']} s de processeur, soit {contexte['cpu_ms_par_requete']} ms "
        f"par requête ; locust (les utilisateurs simulés, sur la même machine) "
        f"{contexte['cpu_locust_s']} s ; machine occupée à {contexte['machine_occupee_pct']} % "
        "(gunicorn, PostgreSQL, locust et le reste)"
    )
    for nom, fenetre in resultats.items():
        print(
            f"\n{nom} ({fenetre['duree_s']} s) : {fenetre['requetes']} requêtes, "
            f"{fenetre['requetes_par_s']} req/s, erreurs {sum(fenetre['erreurs'].values())}"
            f" {fenetre['erreurs'] or ''}, conflits {fenetre['conflits']}"
        )
        for page, m in fenetre["pages"].items():
            print(
                f"  {page:36s} n={m['n']:5d}  médiane {m['median_ms']:6d} ms  "
                f"p95 {m['p95_ms']:6d} ms  p99 {m['p99_ms']:6d} ms  {m['ko']:7.1f} Ko"
            )
    print("\nDocuments PDF, temps jusqu'à ce que l'utilisateur l'ait :")
    for nom, d in documents.items():
        print(
            f"  {nom:36s} n={d['n']:4d}  dont {d['par_la_page']} par la page « en préparation »"
            f"  médiane {d['median_s']} s  maximum {d['max_s']} s"
        )
    print("\nModifications :")
    for quoi, b in bilan.items():
        print(
            f"  {quoi:10s} confirmées {b['enregistrements_confirmes']}, conflits {b['conflits']},"
            f" refus {b['refus']}, nouvelles lignes d'historique {b['lignes_d_historique']},"
            f" perdues {len(b['perdus'])}, refusées mais écrites "
            f"{len(b['refuses_mais_enregistres'])} -> "
            f"{'aucune perte' if b['aucune_perte'] else 'ÉCART'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="projet_social_charge", help="scratch database")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--phases", nargs="+", default=["50:120", "100:60"], help="USERS:SECONDS, in turn"
    )
    parser.add_argument("--cadence", type=float, default=10, help="users started per second")
    parser.add_argument(
        "--attente", default="2:6", help="MIN:MAX seconds a user reads a page before the next"
    )
    parser.add_argument(
        "--sans-pdf", action="store_true", help="pages only (a PDF task asks for a page instead)"
    )
    parser.add_argument("--gzip", action="store_true", help="pages compressed by Django")
    parser.add_argument(
        "--fiches", type=int, help="only the first N fiches (few: more edits collide)"
    )
    parser.add_argument(
        "--reprendre", action="store_true", help="reuse the database of the previous run"
    )
    parser.add_argument("--sortie", type=Path, help="write the figures as JSON here")
    parser.add_argument(
        "--racine",
        type=Path,
        default=ROOT,
        help="serve the code of this checkout (a git worktree of an earlier commit, to compare"
        " with the same users); the server settings are this checkout's deploy/gunicorn.conf.py",
    )
    args = parser.parse_args()
    global RACINE
    RACINE = args.racine.resolve()
    phases = [tuple(map(int, p.split(":"))) for p in args.phases]
    pic = max(u for u, _ in phases)
    # One account per simulated user at the peak, 2 agents for 3 élus (the users' weights).
    comptes = {"agent": -(-pic * 2 // 5), "elu": -(-pic * 3 // 5)}

    with tempfile.TemporaryDirectory(prefix="charge-") as dossier:
        dossier = Path(dossier)
        print(f"Base {args.base} : démo et {comptes} comptes…", flush=True)
        donnees, environ = preparer(args.base, comptes, reprendre=args.reprendre)
        if args.fiches:
            donnees["actions"] = sorted(donnees["actions"])[: args.fiches]
        (dossier / "donnees.json").write_text(json.dumps(donnees), encoding="utf-8")
        print(
            f"gunicorn : {args.workers} processus × {args.threads} fil(s) ; "
            f"hachage des mots de passe : {donnees['hasher']}",
            flush=True,
        )
        serveur = demarrer_serveur(
            environ, args.port, args.workers, args.threads, dossier, gzip=args.gzip
        )
        try:
            debut_iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 1))
            debut = time.time()
            cpu_avant, machine_avant = temps_cpu(serveur.pid), machine_occupee()
            enfants_avant = resource.getrusage(resource.RUSAGE_CHILDREN)
            duree = sum(d for _, d in phases)
            subprocess.run(
                [str(Path(PYTHON).parent / "locust"), "-f", __file__, "--headless"]
                + ["--host", f"http://127.0.0.1:{args.port}", "--only-summary"]
                + ["--stop-timeout", "30", "--loglevel", "WARNING"],
                cwd=ROOT,
                env={
                    **os.environ,
                    "CHARGE_DONNEES": str(dossier / "donnees.json"),
                    "CHARGE_JOURNAL": str(dossier / "journal.json"),
                    "CHARGE_PHASES": " ".join(args.phases),
                    "CHARGE_CADENCE": str(args.cadence),
                    "CHARGE_ATTENTE": args.attente,
                    "CHARGE_SANS_PDF": "1" if args.sans_pdf else "0",
                },
                check=False,
                timeout=duree + 120,
                stdout=subprocess.DEVNULL,
                stderr=(dossier / "locust.log").open("w"),
            )
            cpu = temps_cpu(serveur.pid) - cpu_avant
            enfants = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_locust = (enfants.ru_utime + enfants.ru_stime) - (
                enfants_avant.ru_utime + enfants_avant.ru_stime
            )
            occupee, totale = (a - b for a, b in zip(machine_occupee(), machine_avant, strict=True))
            ecoule = time.time() - debut
        finally:
            serveur.send_signal(signal.SIGTERM)
            serveur.wait(timeout=60)
        if not (dossier / "journal.json").exists():
            print((dossier / "locust.log").read_text(encoding="utf-8")[-3000:])
            raise SystemExit("locust n'a pas écrit son journal : voir ci-dessus.")
        journal = json.loads((dossier / "journal.json").read_text(encoding="utf-8"))
        if args.sortie:  # locust's own messages (a simulated user's traceback...)
            journal_locust = (dossier / "locust.log").read_bytes()
            args.sortie.with_suffix(".locust.log").write_bytes(journal_locust)
        resultats = rapport(journal, debut, phases)
        documents = rapport_des_documents(journal["documents"])
        bilan = verifier(environ, debut_iso, journal["sauvegardes"])
        contexte = {
            "titre": f"{args.workers} processus × {args.threads} fil(s)"
            f"{', GZip' if args.gzip else ''}{', sans PDF' if args.sans_pdf else ''}, "
            f"attente {args.attente} s, "
            f"{os.cpu_count()} cœurs, {donnees['hasher'].rsplit('.', 1)[-1]}",
            "workers": args.workers,
            "threads": args.threads,
            "gzip": args.gzip,
            "requetes": len(journal["requetes"]),
            "cpu_gunicorn_s": round(cpu, 1),
            "cpu_ms_par_requete": round(cpu * 1000 / max(1, len(journal["requetes"])), 1),
            "cpu_locust_s": round(cpu_locust, 1),
            "machine_occupee_pct": round(100 * occupee / totale, 1),
            "duree_s": round(ecoule),
            "hasher": donnees["hasher"],
        }
        afficher(resultats, documents, bilan, contexte)
        if args.sortie:
            args.sortie.write_text(
                json.dumps(
                    {
                        "contexte": contexte,
                        "fenetres": resultats,
                        "documents": documents,
                        "modifications": bilan,
                    },
                    indent=1,
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )


if __name__ == "__main__":
    main()
