"""The history of a fiche, as users read it: who changed what and when, field by field, on
the fiche (its publics and besoins included) and on its rows (partners, indicators, steps,
budget lines). A save conflict lists the rows changed since the version the user opened from
it (``Historique(action, depuis=…)``); the fiche's own fields are compared, as for every
versioned object, by ``projet_social.versioning.decrire_conflit()``."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.text import capfirst

from actions.models import Action, ActionPartenaire, Etape, Indicateur, LigneBudget, Partenaire
from axes.models import BesoinSocial, Objectif
from projet_social.utilisateurs import nom_affiche
from projet_social.versioning import Changement, valeur_lisible

# The Historique section shows this many entries, newest first (at most: the records of one
# save that changed publics or besoins make one entry).
HISTORIQUE_MAX = 50
# A record that repeats the fields of the preceding one, by the same user within this delay,
# belongs to the same save: simple-history records a many-to-many change (publics, besoins) on
# its own, after the save of the fiche, once per add and per remove.
DELAI_MEME_ENREGISTREMENT = datetime.timedelta(minutes=1)
# How the items of a historised many-to-many field read (the others: their str()).
LIBELLES_M2M = {BesoinSocial: lambda besoin: besoin.thematique}


@dataclass
class EntreeHistorique:
    date: datetime.datetime
    auteur: str
    objet: str
    nature: str
    changements: list[Changement] = field(default_factory=list)
    history_id: int = 0
    raison: str = ""  # why, when the change came from elsewhere ("Depuis l'évaluation du …")


def _libelle_objectif(objectif: Objectif) -> str:
    return f"{objectif.code} {objectif.intitule}"


class Historique:
    """Who changed what and when on a fiche: its own historical records and those of its
    partners, indicators, steps and budget lines, as field-level differences.

    Queries, whatever the length of the history: one per historised model (each fetches the
    latest rows and, through a subquery, the record preceding each of them, to diff against),
    then one per kind of referenced object (users, objectives, partners), then one per
    historised many-to-many field of the fiche (publics, besoins: the items each record holds).
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
        "elu_referent_compte": get_user_model(),
        "partenaire": Partenaire,
        "financeur": Partenaire,
    }

    def __init__(self, action: Action, depuis: datetime.datetime | None = None) -> None:
        self.action = action
        # For a save conflict: the moment of the first save after the version the user opened;
        # only the rows that save and the later ones changed are listed.
        self.depuis = depuis
        self.libelles: dict = defaultdict(dict)
        # {history_id: {field name: [(pk, label), …]}} for the records read by charger_m2m().
        self.m2m: dict[int, dict[str, list]] = {}

    def entrees(self, limite: int = HISTORIQUE_MAX) -> list[EntreeHistorique]:
        lignes_par_source = []
        for model, cle in self.SOURCES:
            if model is Action and self.depuis is not None:
                continue  # the conflict screen diffs the fiche itself in one go
            filtre = Q(id=self.action.pk) if model is Action else Q(action_id=self.action.pk)
            if self.depuis is not None:
                filtre &= Q(history_date__gte=self.depuis)
            lignes_par_source.append(
                (model, cle, self._lignes(model.history.model, filtre, limite))
            )
        self.charger_references([ligne for _, _, lignes in lignes_par_source for ligne in lignes])
        for model, _, lignes in lignes_par_source:
            self.charger_m2m(model, lignes)
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
        self.libelles[User].update({pk: nom_affiche(user) for pk, user in utilisateurs.items()})
        self.libelles[Objectif].update(
            {pk: _libelle_objectif(objectif) for pk, objectif in objectifs.items()}
        )
        self.libelles[Partenaire].update(
            {pk: partenaire.nom for pk, partenaire in partenaires.items()}
        )

    def charger_m2m(self, model, lignes: list) -> None:
        """The items each record holds in the historised many-to-many fields of ``model``
        (publics, besoins), in their usual order, with their labels: one query per field."""
        champs = self._champs_m2m(model)
        if not champs:
            return
        for ligne in lignes:
            self.m2m.setdefault(ligne.history_id, {})
        ids = [ligne.history_id for ligne in lignes]
        for champ in champs:
            cible = champ.m2m_reverse_field_name()
            ordre = [
                f"-{cible}__{cle[1:]}" if cle.startswith("-") else f"{cible}__{cle}"
                for cle in champ.related_model._meta.ordering
            ]
            historique = getattr(model.history.model, champ.name).model
            libelle = LIBELLES_M2M.get(champ.related_model, str)
            rangees = (
                historique.objects.filter(history_id__in=ids)
                .select_related(cible)
                .order_by(*ordre, "m2m_history_id")
            )
            # Deleted items (no object) last, whatever the database's place for NULLs.
            for rangee in sorted(rangees, key=lambda rangee: getattr(rangee, cible) is None):
                objet = getattr(rangee, cible)
                self.m2m[rangee.history_id].setdefault(champ.name, []).append(
                    (
                        getattr(rangee, f"{cible}_id"),
                        libelle(objet) if objet is not None else "élément supprimé",
                    )
                )

    def _entrees(self, model, cle: str, lignes: list) -> list[EntreeHistorique]:
        par_objet = defaultdict(list)
        for ligne in lignes:  # ordered by history_id
            par_objet[ligne.id].append(ligne)
        entrees = []
        for versions in par_objet.values():
            precedente = None
            for enregistrement in self._enregistrements(model, versions):
                if any(ligne.recent for ligne in enregistrement):
                    entree = self._entree(model, cle, enregistrement, precedente)
                    if entree is not None:
                        entrees.append(entree)
                precedente = enregistrement[-1]
        return entrees

    def _enregistrements(self, model, versions: list) -> list[list]:
        """The records of one object grouped by save: a save that changed many-to-many fields
        is the record of the save followed by one record per add or remove (see
        DELAI_MEME_ENREGISTREMENT); the other records stand alone."""
        groupes = []
        suivi = bool(self._champs_m2m(model))
        for ligne in versions:
            if suivi and groupes and self._meme_enregistrement(model, groupes[-1][-1], ligne):
                groupes[-1].append(ligne)
            else:
                groupes.append([ligne])
        return groupes

    @staticmethod
    def _meme_enregistrement(model, precedente, ligne) -> bool:
        """``ligne`` only records a many-to-many change made by the save of ``precedente``:
        same user, moments apart, the fields of the object unchanged (a new save of a fiche
        changes at least its ``updated_at``)."""
        return (
            ligne.history_type == "~"
            and precedente.history_type != "-"
            and ligne.history_user_id == precedente.history_user_id
            and abs(ligne.history_date - precedente.history_date) <= DELAI_MEME_ENREGISTREMENT
            and all(
                getattr(ligne, champ.attname) == getattr(precedente, champ.attname)
                for champ in model.history.model.tracked_fields
            )
        )

    def _entree(self, model, cle: str, enregistrement: list, precedente) -> EntreeHistorique | None:
        """The entry of one save (its records, oldest first), diffed against the record
        preceding it."""
        ligne, derniere = enregistrement[0], enregistrement[-1]
        type_ = ligne.history_type
        entree = EntreeHistorique(
            date=ligne.history_date,
            auteur=self.auteur(ligne),
            objet="Fiche" if model is Action else self._objet(cle, ligne),
            nature={"+": "Ajout", "~": "Modification", "-": "Suppression"}[type_],
            history_id=ligne.history_id,
            raison=next(
                (e.history_change_reason for e in enregistrement if e.history_change_reason), ""
            ),
        )
        if model is Action:
            if type_ == "+":
                entree.nature = "Création"
                return entree
            if precedente is None:
                return None
            entree.changements = self.differences(model, precedente, derniere)
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

    @staticmethod
    def _champs_m2m(model) -> list:
        """The many-to-many fields whose items the history records, in the model's order."""
        champs = model.history.model._history_m2m_fields
        return sorted(champs, key=lambda champ: champ.creation_counter)

    def differences(self, model, ancienne, nouvelle) -> list[Changement]:
        """Field-level differences between two historical records, in the model's order; the
        many-to-many fields from the items read by charger_m2m() (diff_against() would query
        them for each pair of records)."""
        champs_m2m = self._champs_m2m(model)
        delta = nouvelle.diff_against(
            ancienne, excluded_fields=[champ.name for champ in champs_m2m]
        )
        modifies = {change.field: change for change in delta.changes}
        if ancienne.history_id in self.m2m and nouvelle.history_id in self.m2m:
            champs = sorted(
                self._champs(model) + champs_m2m, key=lambda champ: champ.creation_counter
            )
        else:
            champs = self._champs(model)
        changements = []
        for champ in champs:
            if champ.many_to_many:
                changement = self._difference_m2m(champ, ancienne, nouvelle)
                if changement is not None:
                    changements.append(changement)
                continue
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

    def _difference_m2m(self, champ, ancienne, nouvelle) -> Changement | None:
        """The items of a list (publics, besoins) before and after, and which came or went."""
        avant = dict(self.m2m[ancienne.history_id].get(champ.name, []))
        apres = dict(self.m2m[nouvelle.history_id].get(champ.name, []))
        if avant.keys() == apres.keys():
            return None
        ajouts = [libelle for pk, libelle in apres.items() if pk not in avant]
        retraits = [libelle for pk, libelle in avant.items() if pk not in apres]
        detail = []
        if ajouts:
            detail.append(f"{'ajouts' if len(ajouts) > 1 else 'ajout'} : {', '.join(ajouts)}")
        if retraits:
            mot = "retraits" if len(retraits) > 1 else "retrait"
            detail.append(f"{mot} : {', '.join(retraits)}")
        return Changement(
            capfirst(champ.verbose_name),
            ", ".join(avant.values()) or "(aucun)",
            ", ".join(apres.values()) or "(aucun)",
            " ; ".join(detail),
        )

    def valeur(self, champ, valeur) -> str:
        """A stored value as a user reads it: choice labels, French dates and numbers."""
        return valeur_lisible(
            champ, valeur, lambda champ, pk: self._reference(self.REFERENCES.get(champ.name), pk)
        )
