"""The history of a fiche, as users read it: who changed what and when, field by field, on
the fiche and on its rows (partners, indicators, steps, budget lines); and the description of a
save conflict (what another agent changed since the form was opened)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import formats, timezone
from django.utils.text import capfirst

from actions.models import Action, ActionPartenaire, Etape, Indicateur, LigneBudget, Partenaire
from axes.models import Objectif

# The Historique section shows this many entries, newest first.
HISTORIQUE_MAX = 50


@dataclass
class Changement:
    champ: str
    avant: str | None  # None for the values of an added row (no "before")
    apres: str


@dataclass
class EntreeHistorique:
    date: datetime.datetime
    auteur: str
    objet: str
    nature: str
    changements: list[Changement] = field(default_factory=list)
    history_id: int = 0
    raison: str = ""  # why, when the change came from elsewhere ("Depuis l'évaluation du …")


def _nom_utilisateur(user) -> str:
    return user.get_full_name() or user.get_username()


def _libelle_objectif(objectif: Objectif) -> str:
    return f"{objectif.code} {objectif.intitule}"


class Historique:
    """Who changed what and when on a fiche: its own historical records and those of its
    partners, indicators, steps and budget lines, as field-level differences.

    Queries, whatever the length of the history: one per historised model (each fetches the
    latest rows and, through a subquery, the record preceding each of them, to diff against),
    then one per kind of referenced object (users, objectives, partners).
    """

    SOURCES = (
        (Action, "fiche"),
        (ActionPartenaire, "partenaire"),
        (Indicateur, "indicateur"),
        (Etape, "etape"),
        (LigneBudget, "budget"),
    )
    # Foreign keys resolved to labels; the others (``action``) are not shown.
    REFERENCES = {
        "objectif": Objectif,
        "pilote": get_user_model(),
        "partenaire": Partenaire,
        "financeur": Partenaire,
    }

    def __init__(self, action: Action, depuis: datetime.datetime | None = None) -> None:
        self.action = action
        self.depuis = depuis
        self.libelles: dict = defaultdict(dict)

    def entrees(self, limite: int = HISTORIQUE_MAX) -> list[EntreeHistorique]:
        lignes_par_source = []
        for model, cle in self.SOURCES:
            if model is Action and self.depuis is not None:
                continue  # the conflict screen diffs the fiche itself in one go
            filtre = Q(id=self.action.pk) if model is Action else Q(action_id=self.action.pk)
            if self.depuis is not None:
                filtre &= Q(history_date__gt=self.depuis)
            lignes_par_source.append(
                (model, cle, self._lignes(model.history.model, filtre, limite))
            )
        self.charger_references([ligne for _, _, lignes in lignes_par_source for ligne in lignes])
        entrees = []
        for model, cle, lignes in lignes_par_source:
            entrees.extend(self._entrees(model, cle, lignes))
        # Newest first; at the same instant the rows come before the fiche (created first).
        entrees.sort(key=lambda e: (e.date, e.objet != "Fiche", e.history_id), reverse=True)
        return entrees[:limite]

    @staticmethod
    def _lignes(historique, filtre: Q, limite: int) -> list:
        """The latest ``limite`` records matching ``filtre`` (flagged ``recent``) and the record
        preceding each of them, in one query."""
        recents = historique.objects.filter(filtre).order_by("-history_date", "-history_id")
        recents = recents.values("history_id")[:limite]
        precedent = (
            historique.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
            .order_by("-history_id")
            .values("history_id")[:1]
        )
        precedents = (
            historique.objects.filter(history_id__in=recents)
            .annotate(precedent=Subquery(precedent))
            .values("precedent")
        )
        return list(
            historique.objects.filter(Q(history_id__in=recents) | Q(history_id__in=precedents))
            .annotate(
                recent=models.Case(
                    models.When(history_id__in=recents, then=models.Value(True)),
                    default=models.Value(False),
                )
            )
            .order_by("history_id")
        )

    def charger_references(self, lignes: list) -> None:
        """Labels of the users, objectives and partners the records name: one query each."""
        ids = defaultdict(set)
        for ligne in lignes:
            if ligne.history_user_id:
                ids[get_user_model()].add(ligne.history_user_id)
            for nom, model in self.REFERENCES.items():
                valeur = getattr(ligne, f"{nom}_id", None)
                if valeur is not None:
                    ids[model].add(valeur)
        User = get_user_model()
        utilisateurs = User.objects.in_bulk(ids[User])
        objectifs = Objectif.objects.select_related("axe").in_bulk(ids[Objectif])
        partenaires = Partenaire.objects.in_bulk(ids[Partenaire])
        self.libelles[User].update(
            {pk: _nom_utilisateur(user) for pk, user in utilisateurs.items()}
        )
        self.libelles[Objectif].update(
            {pk: _libelle_objectif(objectif) for pk, objectif in objectifs.items()}
        )
        self.libelles[Partenaire].update(
            {pk: partenaire.nom for pk, partenaire in partenaires.items()}
        )

    def _entrees(self, model, cle: str, lignes: list) -> list[EntreeHistorique]:
        par_objet = defaultdict(list)
        for ligne in lignes:  # ordered by history_id
            par_objet[ligne.id].append(ligne)
        entrees = []
        for versions in par_objet.values():
            for rang, ligne in enumerate(versions):
                if not ligne.recent:
                    continue
                precedente = versions[rang - 1] if rang else None
                entree = self._entree(model, cle, ligne, precedente)
                if entree is not None:
                    entrees.append(entree)
        return entrees

    def _entree(self, model, cle: str, ligne, precedente) -> EntreeHistorique | None:
        type_ = ligne.history_type
        entree = EntreeHistorique(
            date=ligne.history_date,
            auteur=self.auteur(ligne),
            objet="Fiche" if model is Action else self._objet(cle, ligne),
            nature={"+": "Ajout", "~": "Modification", "-": "Suppression"}[type_],
            history_id=ligne.history_id,
            raison=ligne.history_change_reason or "",
        )
        if model is Action:
            if type_ == "+":
                entree.nature = "Création"
                return entree
            if precedente is None:
                return None
            entree.changements = self.differences(model, precedente, ligne)
            return entree if entree.changements else None
        if type_ == "+":
            entree.changements = self._valeurs_initiales(model, cle, ligne)
        elif type_ == "~":
            if precedente is None:
                return None
            entree.changements = self.differences(model, precedente, ligne)
            if not entree.changements:
                return None
        return entree

    def auteur(self, ligne) -> str:
        if ligne.history_user_id is None:
            return "Système"
        return self.libelles[get_user_model()].get(ligne.history_user_id, "Compte supprimé")

    def _objet(self, cle: str, ligne) -> str:
        if cle == "partenaire":
            return f"Partenaire « {self._reference(Partenaire, ligne.partenaire_id)} »"
        if cle == "indicateur":
            return f"Indicateur « {ligne.libelle} »"
        if cle == "etape":
            return f"Étape « {ligne.libelle} »"
        nature = dict(LigneBudget._meta.get_field("nature").flatchoices).get(ligne.nature)
        libelle = f", {ligne.libelle}" if ligne.libelle else ""
        return f"Ligne de budget {ligne.annee} ({nature}{libelle})"

    def _reference(self, model, pk) -> str:
        return self.libelles[model].get(pk, "élément supprimé")

    def _valeurs_initiales(self, model, cle: str, ligne) -> list[Changement]:
        """What an added row holds, beyond what its title already says."""
        deja_dans_le_titre = {
            "partenaire": {"partenaire"},
            "indicateur": {"libelle"},
            "etape": {"libelle", "ordre"},
            "budget": {"annee", "nature", "libelle"},
        }[cle]
        changements = []
        for champ in self._champs(model):
            if champ.name in deja_dans_le_titre:
                continue
            valeur = getattr(ligne, champ.attname)
            if valeur in (None, "", False):
                continue
            changements.append(
                Changement(capfirst(champ.verbose_name), None, self.valeur(champ, valeur))
            )
        return changements

    @staticmethod
    def _champs(model) -> list:
        """The fields a user edits, in the order of the model (``action`` left out)."""
        return [
            champ
            for champ in model._meta.concrete_fields
            if champ.editable and not champ.primary_key and champ.name != "action"
        ]

    def differences(self, model, ancienne, nouvelle) -> list[Changement]:
        """Field-level differences between two historical records, in the model's order."""
        modifies = {change.field: change for change in nouvelle.diff_against(ancienne).changes}
        changements = []
        for champ in self._champs(model):
            change = modifies.get(champ.name)
            if change is None:
                continue
            changements.append(
                Changement(
                    capfirst(champ.verbose_name),
                    self.valeur(champ, change.old),
                    self.valeur(champ, change.new),
                )
            )
        return changements

    def valeur(self, champ, valeur) -> str:
        """A stored value as a user reads it: choice labels, French dates and numbers."""
        if valeur is None or valeur == "":
            return "(vide)"
        if champ.choices:
            return str(dict(champ.flatchoices).get(valeur, valeur))
        if isinstance(champ, models.BooleanField):
            return "oui" if valeur else "non"
        if isinstance(champ, models.ForeignKey):
            return self._reference(self.REFERENCES.get(champ.name), valeur)
        if isinstance(champ, models.DateField):
            return formats.date_format(valeur, "d/m/Y")
        if isinstance(champ, models.DecimalField):
            return formats.number_format(valeur, decimal_pos=2, force_grouping=True)
        return str(valeur)


@dataclass
class Conflit:
    """What the refused save is told: who saved in between, when, and what they changed."""

    auteur: str
    date: datetime.datetime | None
    changements: list[Changement]
    lignes: list[EntreeHistorique]

    @property
    def message(self) -> str:
        if self.date is None:
            quand = ""
        else:
            local = timezone.localtime(self.date)
            quand = (
                f" le {formats.date_format(local, 'd/m/Y')} à {formats.time_format(local, 'H:i')}"
            )
        return (
            f"Cette fiche a été modifiée par {self.auteur}{quand} pendant que vous la modifiiez. "
            "Vos saisies sont conservées ci-dessous ; comparez avec les modifications "
            "ci-dessous puis enregistrez à nouveau."
        )


def decrire_conflit(action: Action, version_ouverte: int) -> Conflit:
    """The differences between the version the user opened and the current one: the fiche's
    fields in one diff, and its rows changed since then."""
    enregistrements = list(
        Action.history.filter(id=action.pk, version__in=[version_ouverte, action.version]).order_by(
            "-history_date", "-history_id"
        )
    )
    actuelle = next((e for e in enregistrements if e.version == action.version), None)
    ouverte = next((e for e in enregistrements if e.version == version_ouverte), None)
    if actuelle is None:  # no history (rows saved outside the application)
        auteur = _nom_utilisateur(action.updated_by) if action.updated_by else "un autre agent"
        return Conflit(auteur=auteur, date=action.updated_at, changements=[], lignes=[])
    historique = Historique(action, depuis=ouverte.history_date if ouverte else None)
    lignes = historique.entrees() if ouverte else []
    historique.charger_references([e for e in (actuelle, ouverte) if e is not None])
    changements = historique.differences(Action, ouverte, actuelle) if ouverte else []
    return Conflit(
        auteur=historique.auteur(actuelle),
        date=actuelle.history_date,
        changements=changements,
        lignes=lignes,
    )
