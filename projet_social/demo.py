"""Load the Gouesnou demonstration data (fixtures/demo_gouesnou.json).

The JSON is shaped like the domain (projet → axes → objectifs → actions, a partners directory,
campaigns whose evaluations are keyed by action code). Every row is upserted on its stable
identifiers, so loading twice changes nothing: a row is saved only when one of its values
differs, which also keeps django-simple-history from recording empty changes.

Rows created here get a plausible history date (``_history_date``): fiches in mid-2023,
evaluations when their campaign was filled in, a campaign's closing at ``closed_at``. A fiche
whose statut or échéance changed since goes through its ``etats_anterieurs`` first, so that
``Action.history.as_of(campagne.closed_at)`` shows it as the closed review saw it. The
historised many-to-many fields (a fiche's publics and besoins, a meeting's axes and partners)
are set with the first version, dated and signed like it: the history shows them as part of
the creation.

The demo accounts get a published password: ``charger_demo`` refuses to run without DEBUG.
"""

import datetime
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone

from actions.enums import (
    NatureBudget,
    Priorite,
    RolePartenaire,
    StatutAction,
    TypeIndicateur,
    TypePartenaire,
)
from actions.models import (
    Action,
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
    PublicCible,
)
from axes.enums import StatutProjet
from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
from evaluations.enums import Appreciation, StatutCampagne, TypeReunion
from evaluations.models import Campagne, Evaluation, Mesure, Reunion
from evaluations.reprise import figer_depuis_l_historique, figer_les_besoins
from projet_social import roles
from projet_social.versioning import VersionedModel

FICHIER_DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo_gouesnou.json"
MOT_DE_PASSE_DEMO = "demo-gouesnou"


@dataclass(frozen=True)
class CompteDemo:
    username: str
    first_name: str
    last_name: str
    groupe: str
    is_staff: bool = False
    is_superuser: bool = False


# The accounts a visitor logs in with; their password is MOT_DE_PASSE_DEMO.
COMPTES_DEMO = (
    CompteDemo("agent", "Agent", "CCAS (démo)", roles.AGENTS),
    CompteDemo("elu", "Élu", "référent (démo)", roles.ELUS),
    CompteDemo(
        "admin", "Administrateur", "CCAS (démo)", roles.ADMINISTRATEURS, True, is_superuser=True
    ),
)

# Who enters the data: the agent account, as in a real CCAS.
SAISIE_PAR = "agent"


class DonneesDemoInvalides(ValueError):
    """The JSON names something that does not exist (a partner, an indicator, an account)."""


@dataclass(frozen=True)
class ResumeDemo:
    """What the demo projet holds after loading, and how many rows this run wrote."""

    axes: int
    objectifs: int
    actions: int
    indicateurs: int
    etapes: int
    lignes_budget: int
    partenaires: int
    publics: int
    besoins: int
    reunions: int
    evaluations_par_campagne: dict[int, int]
    mesures: int
    comptes: tuple[CompteDemo, ...]
    lignes_creees: int
    lignes_modifiees: int


def charger_demo(fichier: Path = FICHIER_DEMO) -> ResumeDemo:
    """Upsert the demo data of ``fichier`` in one transaction and return a summary."""
    with open(fichier, encoding="utf-8") as f:
        donnees = json.load(f)
    with transaction.atomic():
        chargeur = _Chargeur(donnees)
        projet = chargeur.charger()
    return _resumer(projet, chargeur)


def _moment(valeur: str, heure: int = 9) -> datetime.datetime:
    """An aware datetime from "2023-07-03" (at ``heure``, local time) or an ISO datetime."""
    if "T" in valeur:
        moment = datetime.datetime.fromisoformat(valeur)
    else:
        moment = datetime.datetime.combine(
            datetime.date.fromisoformat(valeur), datetime.time(heure)
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _date(valeur: str | None) -> datetime.date | None:
    return None if valeur is None else datetime.date.fromisoformat(valeur)


def _decimal(valeur: float | int | str | None) -> Decimal | None:
    return None if valeur is None else Decimal(str(valeur))


class _Chargeur:
    def __init__(self, donnees: dict[str, Any]) -> None:
        self.donnees = donnees
        self.crees = 0
        self.modifies = 0
        self.comptes: dict[str, models.Model] = {}
        self.partenaires: dict[str, Partenaire] = {}
        self.publics: dict[str, PublicCible] = {}
        self.axes: dict[int, Axe] = {}
        self.actions: dict[str, Action] = {}
        self.creations: dict[str, datetime.datetime] = {}
        self.indicateurs: dict[tuple[str, str], Indicateur] = {}
        self.campagnes: dict[int, Campagne] = {}
        self.besoins_par_action: dict[str, list[BesoinSocial]] = defaultdict(list)
        self.fiches_creees_le: datetime.datetime | None = None

    # Generic upsert --------------------------------------------------------------------------

    def upsert(
        self,
        model: type[models.Model],
        cles: dict[str, Any],
        valeurs: dict[str, Any],
        *,
        le: datetime.datetime | None = None,
        par: models.Model | None = None,
        etats_anterieurs: Sequence[tuple[datetime.datetime, dict[str, Any]]] = (),
        relations: dict[str, list[models.Model]] | None = None,
    ) -> tuple[models.Model, bool]:
        """Create the row of ``cles`` or bring it to ``valeurs``; return (row, created).

        A new row is saved at ``le`` with the changes of its first earlier state, then once per
        earlier state at the date that state ended (``etats_anterieurs``: [(until, changes)]),
        the last save giving ``valeurs``. An existing row is saved only when a value differs.
        ``relations`` ({many-to-many field: rows}) are set right after the first save of a new
        row, at its date, and changed on an existing row only when they differ.
        """
        relations = relations or {}
        obj = model._default_manager.filter(**cles).order_by("pk").first()
        if obj is None:
            obj = model(**cles)
            dates = [le, *(jusqu_au for jusqu_au, _ in etats_anterieurs)]
            versions = [{**valeurs, **changements} for _, changements in etats_anterieurs]
            versions.append(valeurs)
            for rang, (date, version) in enumerate(zip(dates, versions, strict=True)):
                for champ, valeur in version.items():
                    setattr(obj, champ, valeur)
                if rang and isinstance(obj, VersionedModel):
                    obj.version += 1
                self._save(obj, date, par)
                if not rang:
                    self._sync_relations(obj, relations, date, par, nouveau=True)
            self._dater(obj, dates)
            self.crees += 1
            return obj, True
        differents = {champ: v for champ, v in valeurs.items() if getattr(obj, champ) != v}
        if differents:
            for champ, valeur in differents.items():
                setattr(obj, champ, valeur)
            if isinstance(obj, VersionedModel):
                # A form opened before the reload must not overwrite it silently.
                obj.version += 1
            self._save(obj, None, par)
            self.modifies += 1
        self._sync_relations(obj, relations, None, par, nouveau=False)
        return obj, False

    def _dater(self, obj: models.Model, dates: list[datetime.datetime | None]) -> None:
        """Give a new row's ``created_at``/``updated_at`` (auto_now: the loading's time) the
        dates its history has, so that a review closed in 2025 does not show an evaluation
        « saisie le » the day the demo was loaded."""
        connues = [date for date in dates if date is not None]
        champs = {f.name for f in obj._meta.concrete_fields}
        valeurs = {}
        if connues and "created_at" in champs:
            valeurs["created_at"] = connues[0]
        if connues and "updated_at" in champs:
            valeurs["updated_at"] = connues[-1]
        if valeurs:
            type(obj)._base_manager.filter(pk=obj.pk).update(**valeurs)
            for champ, valeur in valeurs.items():
                setattr(obj, champ, valeur)

    @contextmanager
    def _signe(self, obj: models.Model, date: datetime.datetime | None, par) -> Iterator[None]:
        """Date and sign the history records ``obj`` gets meanwhile."""
        if date is not None:
            obj._history_date = date
        if par is not None:
            obj._history_user = par
        try:
            yield
        finally:
            obj.__dict__.pop("_history_date", None)
            obj.__dict__.pop("_history_user", None)

    def _save(self, obj: models.Model, date: datetime.datetime | None, par) -> None:
        with self._signe(obj, date, par):
            obj.save()

    def _sync_relations(
        self, obj: models.Model, relations: dict[str, list], date, par, *, nouveau: bool
    ) -> None:
        """Set the many-to-many fields of ``obj``: a historised one records each change."""
        for nom, cibles in relations.items():
            with self._signe(obj, date, par):
                self.sync_m2m(getattr(obj, nom), cibles, nouveau=nouveau)

    def sync_m2m(self, manager, cibles: list[models.Model], *, nouveau: bool) -> None:
        """Make the many-to-many ``manager`` hold exactly ``cibles``."""
        voulus = {cible.pk for cible in cibles}
        if set(manager.values_list("pk", flat=True)) != voulus:
            manager.set(voulus)
            if not nouveau:
                self.modifies += 1

    def _trouver(self, table: dict, cle, quoi: str):
        try:
            return table[cle]
        except KeyError:
            raise DonneesDemoInvalides(
                f"{quoi} inconnu(e) dans les données de démonstration : {cle!r}."
            ) from None

    # Loading, in dependency order ------------------------------------------------------------

    def charger(self) -> ProjetSocial:
        self.charger_comptes()
        self.charger_publics()
        self.charger_partenaires()
        projet = self.charger_projet()
        self.charger_besoins(projet)  # before the fiches, which name them
        for axe in self.donnees["axes"]:
            self.charger_axe(projet, axe)
        for code in self.besoins_par_action:
            self._trouver(self.actions, code, "Action")
        for campagne in self.donnees["campagnes"]:
            self.charger_campagne(projet, campagne)
        for reunion in self.donnees["reunions"]:
            self.charger_reunion(projet, reunion)
        # A closed review is loaded closed, its history back-dated: write its snapshot from
        # that history, as of its closing (once: a second load finds it written).
        a_figer = [
            campagne.pk
            for campagne in self.campagnes.values()
            if campagne.est_close
            and not campagne.evaluations.filter(numero_axe__isnull=False).exists()
        ]
        if a_figer:
            saisies = dict(
                Evaluation.objects.filter(campagne__in=a_figer).values_list("pk", "updated_at")
            )
            figer_depuis_l_historique(django_apps, campagnes=a_figer)
            figer_les_besoins(django_apps, campagnes=a_figer)
            for campagne in self.campagnes.values():
                if campagne.pk in a_figer:
                    self._dater_la_cloture(campagne, saisies)
        return projet

    def _dater_la_cloture(self, campagne: Campagne, saisies: dict[int, datetime.datetime]) -> None:
        """Writing the snapshot saved the review's rows, and their history, at the time of
        loading. As the app's closing does: an evaluation keeps the date it was typed
        (``saisies``, by pk), a row the closing created and every record written then are
        dated ``closed_at``."""
        cloture = campagne.closed_at
        evaluations = Evaluation.objects.filter(campagne=campagne)
        for pk, saisie_le in saisies.items():
            evaluations.filter(pk=pk).update(updated_at=saisie_le)
        evaluations.exclude(pk__in=saisies).update(created_at=cloture, updated_at=cloture)
        for historique in (
            Evaluation.history.filter(campagne_id=campagne.pk),
            Mesure.history.filter(evaluation_id__in=evaluations.values("pk")),
            Reunion.history.filter(campagne_id=campagne.pk),
        ):
            historique.filter(history_date__gt=cloture).update(history_date=cloture)

    def charger_comptes(self) -> None:
        for compte in COMPTES_DEMO:
            self.comptes[compte.username] = self._compte(compte, MOT_DE_PASSE_DEMO)
        for pilote in self.donnees["comptes_pilotes"]:
            compte = CompteDemo(
                pilote["username"], pilote["first_name"], pilote["last_name"], roles.AGENTS
            )
            self.comptes[compte.username] = self._compte(compte, None)

    def _compte(self, compte: CompteDemo, mot_de_passe: str | None):
        """Upsert a user; ``mot_de_passe`` None makes the password unusable."""
        User = get_user_model()
        user = User.objects.filter(username=compte.username).first()
        nouveau = user is None
        if nouveau:
            user = User(username=compte.username)
        valeurs = {
            "first_name": compte.first_name,
            "last_name": compte.last_name,
            "is_staff": compte.is_staff,
            "is_superuser": compte.is_superuser,
            "is_active": True,
        }
        a_sauver = nouveau
        for champ, valeur in valeurs.items():
            if getattr(user, champ) != valeur:
                setattr(user, champ, valeur)
                a_sauver = True
        # Reset the password only when it no longer matches: the README must stay true.
        if mot_de_passe is None:
            if nouveau or user.has_usable_password():
                user.set_unusable_password()
                a_sauver = True
        elif nouveau or not user.check_password(mot_de_passe):
            user.set_password(mot_de_passe)
            a_sauver = True
        if a_sauver:
            user.save()
            if nouveau:
                self.crees += 1
            else:
                self.modifies += 1
        self.sync_m2m(user.groups, [Group.objects.get(name=compte.groupe)], nouveau=nouveau)
        return user

    def charger_publics(self) -> None:
        for ordre, libelle in enumerate(self.donnees["publics"], start=1):
            public, _ = self.upsert(PublicCible, {"libelle": libelle}, {"ordre": ordre})
            self.publics[libelle] = public

    def charger_partenaires(self) -> None:
        for partenaire in self.donnees["partenaires"]:
            obj, _ = self.upsert(
                Partenaire,
                {"nom": partenaire["nom"]},
                {
                    "type": TypePartenaire(partenaire["type"]),
                    "contact": partenaire.get("contact", ""),
                    "telephone": partenaire.get("telephone", ""),
                    "email": partenaire.get("email", ""),
                    "site": partenaire.get("site", ""),
                },
            )
            self.partenaires[obj.nom] = obj

    def charger_projet(self) -> ProjetSocial:
        donnees = self.donnees["projet"]
        projet, _ = self.upsert(
            ProjetSocial,
            {"intitule": donnees["intitule"], "structure": donnees["structure"]},
            {
                "annee_debut": donnees["annee_debut"],
                "annee_fin": donnees["annee_fin"],
                "statut": StatutProjet(donnees["statut"]),
                "date_adoption": _date(donnees.get("date_adoption")),
                "synthese_abs": donnees.get("synthese_abs", ""),
                "est_demo": True,
            },
        )
        self.fiches_creees_le = _moment(donnees["fiches_creees_le"])
        return projet

    def charger_axe(self, projet: ProjetSocial, donnees: dict[str, Any]) -> None:
        axe, _ = self.upsert(
            Axe,
            {"projet": projet, "numero": donnees["numero"]},
            {
                "intitule": donnees["intitule"],
                "description": donnees.get("description", ""),
                "couleur": donnees["couleur"],
            },
        )
        self.axes[axe.numero] = axe
        for objectif_donnees in donnees["objectifs"]:
            objectif, _ = self.upsert(
                Objectif,
                {"axe": axe, "numero": objectif_donnees["numero"]},
                {
                    "intitule": objectif_donnees["intitule"],
                    "description": objectif_donnees.get("description", ""),
                },
            )
            for action in objectif_donnees["actions"]:
                self.charger_action(objectif, action)

    def _compte_par_nom(self, username: str | None):
        if username is None:
            return None
        return self._trouver(self.comptes, username, "Compte")

    def charger_action(self, objectif: Objectif, donnees: dict[str, Any]) -> None:
        code = f"{objectif.axe.numero}.{objectif.numero}.{donnees['numero']}"
        saisie_par = self.comptes[SAISIE_PAR]
        pilote = self._compte_par_nom(donnees.get("pilote"))
        elu = self._compte_par_nom(donnees.get("elu_referent_compte"))
        valeurs = {
            "intitule": donnees["intitule"],
            "constat": donnees.get("constat", ""),
            "objectifs_action": donnees.get("objectifs_action", ""),
            "description": donnees.get("description", ""),
            "pilote_id": pilote.pk if pilote else None,
            "service_pilote": donnees.get("service_pilote", ""),
            "elu_referent": donnees.get("elu_referent", ""),
            "elu_referent_compte_id": elu.pk if elu else None,
            "moyens_humains": donnees.get("moyens_humains", ""),
            "moyens_materiels": donnees.get("moyens_materiels", ""),
            "date_debut": _date(donnees.get("date_debut")),
            "echeance": _date(donnees.get("echeance")),
            "communication_supports": donnees.get("communication_supports", ""),
            "communication_messages": donnees.get("communication_messages", ""),
            "partenariat_reseau": donnees.get("partenariat_reseau", ""),
            "statut": StatutAction(donnees["statut"]),
            "motif_abandon": donnees.get("motif_abandon", ""),
            "priorite": Priorite(donnees["priorite"]),
            "recurrente": donnees.get("recurrente", False),
            "created_by_id": saisie_par.pk,
            "updated_by_id": saisie_par.pk,
        }
        etats = []
        for etat in donnees.get("etats_anterieurs", []):
            changements = {}
            for champ, valeur in etat.items():
                if champ == "jusqu_au":
                    continue
                if champ == "statut":
                    changements["statut"] = StatutAction(valeur)
                elif champ in ("date_debut", "echeance"):
                    changements[champ] = _date(valeur)
                elif champ == "pilote":
                    compte = self._compte_par_nom(valeur)
                    changements["pilote_id"] = compte.pk if compte else None
                else:
                    changements[champ] = valeur
            etats.append((_moment(etat["jusqu_au"]), changements))
        cree_le = _moment(donnees["creee_le"]) if "creee_le" in donnees else self.fiches_creees_le
        action, _ = self.upsert(
            Action,
            {"objectif": objectif, "numero": donnees["numero"]},
            valeurs,
            le=cree_le,
            par=saisie_par,
            etats_anterieurs=etats,
            relations={
                "publics": [
                    self._trouver(self.publics, libelle, "Public") for libelle in donnees["publics"]
                ],
                "besoins": self.besoins_par_action.get(code, []),
            },
        )
        self.actions[code] = action
        self.creations[code] = cree_le

        enfants = {"le": cree_le, "par": saisie_par}
        for indicateur in donnees.get("indicateurs", []):
            obj, _ = self.upsert(
                Indicateur,
                {"action": action, "libelle": indicateur["libelle"]},
                {
                    "type": TypeIndicateur(indicateur["type"]),
                    "unite": indicateur.get("unite", ""),
                    "valeur_cible": _decimal(indicateur.get("valeur_cible")),
                    "mode_calcul": indicateur.get("mode_calcul", ""),
                },
                **enfants,
            )
            self.indicateurs[(code, obj.libelle)] = obj
        for ordre, etape in enumerate(donnees.get("etapes", []), start=1):
            echeance = _date(etape.get("echeance"))
            faite = etape.get("faite", False)
            # A step done after the fiche was written is ticked on the day it was done.
            etats_etape = []
            if faite and echeance is not None and _moment(etape["echeance"], 17) > cree_le:
                etats_etape = [(_moment(etape["echeance"], 17), {"faite": False})]
            self.upsert(
                Etape,
                {"action": action, "libelle": etape["libelle"]},
                {"echeance": echeance, "faite": faite, "ordre": ordre},
                etats_anterieurs=etats_etape,
                **enfants,
            )
        for ligne in donnees.get("budget", []):
            financeur = ligne.get("financeur")
            self.upsert(
                LigneBudget,
                {
                    "action": action,
                    "annee": ligne["annee"],
                    "nature": NatureBudget(ligne["nature"]),
                    "libelle": ligne.get("libelle", ""),
                },
                {
                    "montant_prevu": _decimal(ligne["montant_prevu"]),
                    "montant_realise": _decimal(ligne.get("montant_realise")),
                    "financeur_id": (
                        self._trouver(self.partenaires, financeur, "Financeur").pk
                        if financeur
                        else None
                    ),
                },
                **enfants,
            )
        for participation in donnees.get("partenaires", []):
            partenaire = self._trouver(self.partenaires, participation["nom"], "Partenaire")
            self.upsert(
                ActionPartenaire,
                {"action": action, "partenaire": partenaire},
                {"role": RolePartenaire(participation["role"])},
                **enfants,
            )

    def charger_besoins(self, projet: ProjetSocial) -> None:
        for besoin in self.donnees["besoins"]:
            obj, _ = self.upsert(
                BesoinSocial,
                {"projet": projet, "thematique": besoin["thematique"]},
                {
                    "constat": besoin["constat"],
                    "chiffre_cle": besoin.get("chiffre_cle", ""),
                    "source": besoin.get("source", ""),
                },
            )
            # Linked from the fiches' side, which records them in their history.
            for code in besoin["actions"]:
                self.besoins_par_action[code].append(obj)

    def charger_campagne(self, projet: ProjetSocial, donnees: dict[str, Any]) -> None:
        statut = StatutCampagne(donnees["statut"])
        closed_at = _moment(donnees["closed_at"]) if donnees.get("closed_at") else None
        etats = []
        if closed_at is not None:
            # Opened in the autumn, closed after the réunion partenariale.
            etats = [(closed_at, {"statut": StatutCampagne.OUVERTE, "closed_at": None})]
        saisie_par = self.comptes[SAISIE_PAR]
        campagne, _ = self.upsert(
            Campagne,
            {"projet": projet, "annee": donnees["annee"]},
            {
                "date_reunion": _date(donnees.get("date_reunion")),
                "statut": statut,
                "synthese": donnees.get("synthese", ""),
                "decisions": donnees.get("decisions", ""),
                "closed_at": closed_at,
            },
            le=_moment(donnees["ouverte_le"]),
            par=saisie_par,
            etats_anterieurs=etats,
        )
        self.campagnes[campagne.annee] = campagne

        saisie_le = _moment(donnees["evaluations_saisies_le"])
        for code, evaluation in donnees["evaluations"].items():
            action = self._trouver(self.actions, code, "Action")
            auteur = self._compte_par_nom(evaluation.get("auteur", SAISIE_PAR))
            obj, _ = self.upsert(
                Evaluation,
                {"campagne": campagne, "action": action},
                {
                    "statut": StatutAction(evaluation["statut"]),
                    "taux_realisation": evaluation["taux_realisation"],
                    "appreciation": (
                        Appreciation(evaluation["appreciation"])
                        if evaluation.get("appreciation")
                        else ""
                    ),
                    "realise": evaluation.get("realise", ""),
                    "points_forts": evaluation.get("points_forts", ""),
                    "difficultes": evaluation.get("difficultes", ""),
                    "reajustements": evaluation.get("reajustements", ""),
                    "nouvelle_echeance": _date(evaluation.get("nouvelle_echeance")),
                    "auteur_id": auteur.pk if auteur else None,
                },
                le=saisie_le,
                par=auteur,
            )
            for libelle, mesure in evaluation.get("mesures", {}).items():
                indicateur = self._trouver(self.indicateurs, (code, libelle), "Indicateur")
                self.upsert(
                    Mesure,
                    {"evaluation": obj, "indicateur": indicateur},
                    {
                        "valeur_realisee": _decimal(mesure.get("valeur_realisee")),
                        "commentaire": mesure.get("commentaire", ""),
                    },
                    le=saisie_le,
                    par=auteur,
                )

    def charger_reunion(self, projet: ProjetSocial, donnees: dict[str, Any]) -> None:
        participants = donnees.get("participants", {})
        campagne = donnees.get("campagne")
        self.upsert(
            Reunion,
            {
                "projet": projet,
                "type": TypeReunion(donnees["type"]),
                "date": _date(donnees["date"]),
            },
            {
                "intitule": donnees["intitule"],
                "lieu": donnees.get("lieu", ""),
                "campagne_id": (
                    self._trouver(self.campagnes, campagne, "Campagne").pk if campagne else None
                ),
                "compte_rendu": donnees.get("compte_rendu", ""),
                **{
                    champ: participants.get(champ.removeprefix("nb_"), 0)
                    for champ in Reunion.CATEGORIES
                },
            },
            # The compte rendu is written in the evening of the meeting.
            le=_moment(donnees["date"], 18),
            par=self.comptes[SAISIE_PAR],
            relations={
                "axes": [
                    self._trouver(self.axes, numero, "Axe") for numero in donnees.get("axes", [])
                ],
                "partenaires": [
                    self._trouver(self.partenaires, nom, "Partenaire")
                    for nom in donnees["partenaires"]
                ],
            },
        )


def _resumer(projet: ProjetSocial, chargeur: _Chargeur) -> ResumeDemo:
    actions = Action.objects.du_projet(projet)
    evaluations = dict(
        Campagne.objects.du_projet(projet)
        .order_by("annee")
        .annotate(n=Count("evaluations"))
        .values_list("annee", "n")
    )
    return ResumeDemo(
        axes=projet.axes.count(),
        objectifs=Objectif.objects.du_projet(projet).count(),
        actions=actions.count(),
        indicateurs=Indicateur.objects.filter(action__in=actions).count(),
        etapes=Etape.objects.filter(action__in=actions).count(),
        lignes_budget=LigneBudget.objects.filter(action__in=actions).count(),
        partenaires=len(chargeur.partenaires),
        publics=len(chargeur.publics),
        besoins=projet.besoins.count(),
        reunions=projet.reunions.count(),
        evaluations_par_campagne=evaluations,
        mesures=Mesure.objects.filter(evaluation__campagne__projet=projet).count(),
        comptes=COMPTES_DEMO,
        lignes_creees=chargeur.crees,
        lignes_modifiees=chargeur.modifies,
    )
