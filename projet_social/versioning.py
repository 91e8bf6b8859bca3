"""Optimistic locking: a save that names the version it started from.

Two agents open the same fiche; the first save bumps the version; the second save names
the old version, matches no row, and is refused. The version is bumped by a conditional
UPDATE and the fields are written by ``save()`` in the same transaction, so
django-simple-history still records the change (it listens to ``save()``, not to
``QuerySet.update()``).

One mechanism for every versioned object (fiche, évaluation, bilan, partenaire, réunion, axe,
objectif):

- ``VersionedForm``: the base of their forms. It carries the version the form was
  opened at in a hidden ``version`` field, refuses a POST without it, and saves only over that
  version (``enregistrer()``).
- On a conflict nothing is saved; ``decrire_conflit()`` says who saved in between, when, and
  what changed (``Conflit.message``, one French message for all of them), and the form is bound
  to the version now saved (``a_la_version()``), so that saving again overwrites it knowingly.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.http import Http404, QueryDict
from django.utils import formats, timezone
from django.utils.text import Truncator, capfirst

from projet_social.utilisateurs import nom_affiche

# The hidden field's name, in every form of a versioned object.
CHAMP_VERSION = "version"

VERSION_ABSENTE = (
    "Ce formulaire ne précise pas la version qu'il modifie : rien n'a été enregistré. "
    "Rechargez la page pour repartir de la version enregistrée."
)
ENVOI_INCOMPLET = (
    "Le formulaire reçu est incomplet (champs manquants : %(champs)s) : rien n'a été "
    "enregistré. Rechargez la page pour repartir de la version enregistrée."
)
VOYELLES = "aâàeéèêëiîïoôuûy"
QUELQU_UN = "quelqu'un d'autre"


class ConflitDeVersion(Exception):
    """The row changed since the user opened it; carries the current row for the message."""

    def __init__(self, instance: models.Model, actuelle: models.Model | None) -> None:
        self.instance = instance
        self.actuelle = actuelle
        super().__init__(
            f"{capfirst(designation(type(instance)))} a été modifié"
            f"{'e' if est_feminin(type(instance)) else ''} par quelqu'un d'autre depuis son "
            "ouverture."
        )


class VersionedModel(models.Model):
    version = models.PositiveIntegerField("version", default=1, editable=False)

    # The grammatical gender of the model's verbose_name, for the messages ("Cette réunion a
    # été enregistrée…", "Ce partenaire a été enregistré…"). Not a field.
    feminin: ClassVar[bool] = False

    class Meta:
        abstract = True

    def save_versioned(self, expected_version: int, **kwargs) -> None:
        """Save if the row is still at ``expected_version``; raise ConflitDeVersion otherwise."""
        if self.pk is None or self._state.adding:
            self.version = 1
            self.save(**kwargs)
            return
        manager = type(self)._base_manager
        with transaction.atomic():
            updated = manager.filter(pk=self.pk, version=expected_version).update(
                version=F("version") + 1
            )
            if updated != 1:
                raise ConflitDeVersion(self, manager.filter(pk=self.pk).first())
            self.version = expected_version + 1
            self.save(**kwargs)


# --- Words ----------------------------------------------------------------------------------


def est_feminin(model: type[models.Model]) -> bool:
    return bool(getattr(model, "feminin", False))


def designation(model: type[models.Model]) -> str:
    """The object named with its demonstrative: « cette fiche action », « cet axe
    stratégique », « ce partenaire »."""
    nom = str(model._meta.verbose_name)
    if est_feminin(model):
        return f"cette {nom}"
    return f"{'cet' if nom[:1].lower() in VOYELLES else 'ce'} {nom}"


def _avec_article(model: type[models.Model]) -> str:
    """The object named with its article: « la fiche action », « l'axe stratégique »."""
    nom = str(model._meta.verbose_name)
    if nom[:1].lower() in VOYELLES:
        return f"l'{nom}"
    return f"{'la' if est_feminin(model) else 'le'} {nom}"


def valeur_lisible(
    champ: models.Field, valeur: Any, libelle: Callable[[models.Field, Any], str] | None = None
) -> str:
    """A stored value as a user reads it: choice labels, French dates and numbers; a foreign
    key through ``libelle(champ, pk)`` (default: the pk)."""
    if valeur is None or valeur == "":
        return "(vide)"
    if champ.choices:
        return str(dict(champ.flatchoices).get(valeur, valeur))
    if isinstance(champ, models.BooleanField):
        return "oui" if valeur else "non"
    if isinstance(champ, models.ForeignKey):
        return libelle(champ, valeur) if libelle is not None else str(valeur)
    if isinstance(champ, models.DateTimeField):
        local = timezone.localtime(valeur)
        return f"{formats.date_format(local, 'd/m/Y')} {formats.time_format(local, 'H:i')}"
    if isinstance(champ, models.DateField):
        return formats.date_format(valeur, "d/m/Y")
    if isinstance(champ, models.DecimalField):
        return formats.number_format(valeur, decimal_pos=2, force_grouping=True)
    return str(valeur)


# --- What a refused save is told -------------------------------------------------------------


@dataclass
class Changement:
    champ: str
    avant: str | None  # None for the values of an added row (no "before")
    apres: str
    detail: str = ""  # for a list (publics, besoins): "ajout : …" and "retrait : …"


@dataclass
class Conflit:
    """Who saved the object while the user had it open, when, and what changed."""

    model: type[models.Model]
    auteur: str | None  # None: not known (a model without history)
    date: datetime.datetime | None
    changements: list[Changement]
    # True when ``changements`` compare the saved values with the user's input, the history
    # not telling what the version the user opened held.
    face_a_la_saisie: bool = False
    # The first save after the version the user opened (what changed since, for the rows an
    # object owns: the fiche's steps, the evaluation's values).
    depuis: datetime.datetime | None = None
    # A sentence put before the message (an evaluation created by someone else meanwhile).
    precision: str = ""
    # Rows of the object changed since (fiche-specific: history entries of its rows).
    lignes: list = field(default_factory=list)

    @property
    def qui(self) -> str:
        return self.auteur or QUELQU_UN

    @property
    def titre(self) -> str:
        return f"Enregistrement refusé : {_avec_article(self.model)} a changé entre-temps"

    @property
    def message(self) -> str:
        """The one message of a refused save."""
        feminin = est_feminin(self.model)
        quand = ""
        if self.date is not None:
            local = timezone.localtime(self.date)
            quand = (
                f" le {formats.date_format(local, 'd/m/Y')} à {formats.time_format(local, 'H:i')}"
            )
        phrase = (
            f"{capfirst(designation(self.model))} a été enregistré{'e' if feminin else ''} par "
            f"{self.qui}{quand} pendant que vous "
            f"{'la' if feminin else 'le'} modifiiez. Rien n'a été enregistré de votre côté : "
            "vos saisies sont conservées ci-dessous. Comparez-les avec ce qui a été enregistré, "
            "puis enregistrez à nouveau pour les confirmer."
        )
        return f"{self.precision} {phrase}" if self.precision else phrase

    @property
    def colonnes(self) -> tuple[str, str]:
        if self.face_a_la_saisie:
            return ("Votre saisie", "Enregistré entre-temps")
        return ("Dans la version que vous aviez ouverte", "Enregistré depuis")

    @property
    def legende(self) -> str:
        if self.face_a_la_saisie:
            return "Champs où la version enregistrée diffère de votre saisie"
        return f"Champs modifiés par {self.qui}"

    def resume(self, longueur: int = 80) -> str:
        """The changes in one sentence, for a form error (the admin)."""
        if not self.changements:
            return ""
        valeurs = " ; ".join(
            f"{changement.champ} : « {Truncator(changement.apres).chars(longueur)} »"
            for changement in self.changements
        )
        if self.face_a_la_saisie:
            return f"Version enregistrée, là où elle diffère de votre saisie : {valeurs}."
        return f"Enregistré entre-temps : {valeurs}."


def champs_compares(model: type[models.Model]) -> list[models.Field]:
    """The fields a user edits, in the model's order, with the many-to-many fields the
    history records."""
    historises = set()
    historique = getattr(model, "history", None)
    if historique is not None:
        historises = {champ.name for champ in historique.model._history_m2m_fields}
    champs = [
        champ
        for champ in (*model._meta.concrete_fields, *model._meta.many_to_many)
        if champ.editable
        and not champ.primary_key
        and champ.name != CHAMP_VERSION
        and (not champ.many_to_many or champ.name in historises)
    ]
    return sorted(champs, key=lambda champ: champ.creation_counter)


def decrire_conflit(
    actuelle: VersionedModel,
    version_ouverte: int,
    *,
    champs: Iterable[str] | None = None,
    saisie: dict | None = None,
    libelles: dict | None = None,
) -> Conflit:
    """What changed between the version the user opened (0: the object did not exist yet) and
    ``actuelle``, the row as saved now: from its history when the model keeps one; otherwise
    (or without the records) the fields where ``saisie``, the user's cleaned input, differs
    from the saved row.

    ``champs`` limits the comparison to those fields (default: every field a user edits);
    ``libelles`` ({model: function}) names the related objects (default: their ``str()``)."""
    model = type(actuelle)
    tous = champs_compares(model)
    if champs is not None:
        noms = set(champs)
        tous = [champ for champ in tous if champ.name in noms]
    noms_lisibles = _Libelles(libelles or {})
    conflit = Conflit(model=model, auteur=None, date=None, changements=[])
    ouverte = derniere = None
    historique = getattr(model, "history", None)
    if historique is not None:
        enregistrements = list(
            historique.filter(id=actuelle.pk, version__gte=version_ouverte)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        # The last record of a version holds its final state (a many-to-many change is
        # recorded after the save, with the same version).
        ouverte = next((e for e in reversed(enregistrements) if e.version == version_ouverte), None)
        apres = [e for e in enregistrements if e.version > version_ouverte]
        if apres:
            derniere = apres[-1]
            if derniere.history_user is not None:
                conflit.auteur = nom_affiche(derniere.history_user)
            conflit.date = derniere.history_date
            conflit.depuis = apres[0].history_date
    if derniere is not None and (ouverte is not None or version_ouverte < 1):
        conflit.changements = _differences_historiques(
            model, tous, ouverte, derniere, noms_lisibles
        )
    elif saisie is not None:
        conflit.changements = _differences_avec_la_saisie(actuelle, tous, saisie, noms_lisibles)
        conflit.face_a_la_saisie = True
    return conflit


class _Libelles:
    """How the related objects read (users by name, the others by ``str()`` unless a
    function is given for their model): one query per list of objects."""

    def __init__(self, fonctions: dict) -> None:
        self.fonctions = fonctions

    def libelle(self, related_model: type[models.Model], objet: models.Model) -> str:
        if related_model is get_user_model():
            return nom_affiche(objet)
        fonction = self.fonctions.get(related_model, str)
        return fonction(objet)

    def de(self, related_model: type[models.Model], pks: Iterable) -> list[str]:
        """Labels of ``pks``, in the model's order; deleted objects last."""
        pks = [pk for pk in pks if pk is not None]
        if not pks:
            return []
        objets = list(related_model._base_manager.filter(pk__in=pks))
        trouves = {objet.pk for objet in objets}
        return [self.libelle(related_model, objet) for objet in objets] + [
            "élément supprimé" for pk in pks if pk not in trouves
        ]

    def valeur(self, champ: models.Field, valeur: Any) -> str:
        return valeur_lisible(
            champ,
            valeur,
            lambda champ, pk: (self.de(champ.related_model, [pk]) or ["(vide)"])[0],
        )

    def liste(self, champ: models.Field, pks: Iterable) -> str:
        return ", ".join(self.de(champ.related_model, pks)) or "(aucun)"


def _differences_historiques(
    model, champs: list, ouverte, actuelle, libelles: _Libelles
) -> list[Changement]:
    """Field by field, between two historical records; without the opened record (the object
    did not exist), against the defaults."""
    m2m = _m2m_des_enregistrements(model, [e for e in (ouverte, actuelle) if e is not None])
    changements = []
    for champ in champs:
        if champ.many_to_many:
            avant = m2m.get((ouverte.history_id, champ.name), []) if ouverte else []
            apres = m2m.get((actuelle.history_id, champ.name), [])
            if set(avant) != set(apres):
                changements.append(
                    Changement(
                        capfirst(champ.verbose_name),
                        libelles.liste(champ, avant),
                        libelles.liste(champ, apres),
                    )
                )
            continue
        avant = getattr(ouverte, champ.attname) if ouverte is not None else champ.get_default()
        apres = getattr(actuelle, champ.attname)
        if avant != apres:
            changements.append(
                Changement(
                    capfirst(champ.verbose_name),
                    libelles.valeur(champ, avant),
                    libelles.valeur(champ, apres),
                )
            )
    return changements


def _m2m_des_enregistrements(model, enregistrements: list) -> dict[tuple[int, str], list]:
    """{(history_id, field): [pk, …]}: the items each record holds in the many-to-many fields
    the history keeps (one query per field)."""
    resultat: dict[tuple[int, str], list] = {}
    if not enregistrements:
        return resultat
    ids = [e.history_id for e in enregistrements]
    for champ in model.history.model._history_m2m_fields:
        cible = champ.m2m_reverse_field_name()
        rangees = getattr(model.history.model, champ.name).model.objects.filter(history_id__in=ids)
        for history_id, pk in rangees.values_list("history_id", f"{cible}_id"):
            resultat.setdefault((history_id, champ.name), []).append(pk)
    return resultat


def _differences_avec_la_saisie(
    actuelle, champs: list, saisie: dict, libelles: _Libelles
) -> list[Changement]:
    """The fields of the user's input whose saved value differs from it: (input, saved)."""
    changements = []
    for champ in champs:
        if champ.name not in saisie:
            continue
        tape = saisie[champ.name]
        if champ.many_to_many:
            enregistres = list(getattr(actuelle, champ.name).values_list("pk", flat=True))
            tapes = [objet.pk for objet in (tape or [])]
            if set(enregistres) != set(tapes):
                changements.append(
                    Changement(
                        capfirst(champ.verbose_name),
                        libelles.liste(champ, tapes),
                        libelles.liste(champ, enregistres),
                    )
                )
            continue
        if isinstance(tape, models.Model):
            tape = tape.pk
        enregistre = getattr(actuelle, champ.attname)
        if _normalise(tape) != _normalise(enregistre):
            changements.append(
                Changement(
                    capfirst(champ.verbose_name),
                    libelles.valeur(champ, tape),
                    libelles.valeur(champ, enregistre),
                )
            )
    return changements


def _normalise(valeur: Any) -> Any:
    """None and an empty text read the same; so do the line ends a browser sends (CR LF)."""
    if valeur is None:
        return ""
    if isinstance(valeur, str):
        return valeur.replace("\r\n", "\n")
    return valeur


def a_la_version(donnees: QueryDict, version: int, nom: str = CHAMP_VERSION) -> QueryDict:
    """The posted data, carrying ``version`` instead of the version the form was opened at:
    once the user has seen what changed, saving again overwrites it knowingly."""
    donnees = donnees.copy()
    donnees[nom] = str(version)
    return donnees


# --- The forms ------------------------------------------------------------------------------


class VersionedForm(forms.ModelForm):
    """A form of a VersionedModel. ``version`` (hidden) is the version the form was opened at;
    a POST without it is refused. A new object's form needs none, unless
    ``version_a_la_creation`` is set (the evaluation: 0, "there was none when I opened it")."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": VERSION_ABSENTE,
            "invalid": VERSION_ABSENTE,
            "min_value": VERSION_ABSENTE,
        },
    )

    version_a_la_creation: int | None = None
    # A POST missing one of the form's fields (not merely empty) is refused rather than
    # blanking it: for the forms whose fields are all free text that nothing else checks.
    refuser_un_envoi_incomplet = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        champ = self.fields[CHAMP_VERSION]
        if not self.instance._state.adding:
            champ.initial = self.instance.version
        elif self.version_a_la_creation is not None:
            champ.initial = self.version_a_la_creation
        else:
            champ.required = False  # nothing to be concurrent with: any value is ignored

    @property
    def version_ouverte(self) -> int:
        version = self.cleaned_data.get(CHAMP_VERSION)
        return 0 if version is None else version

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        # A hidden field's error shows nowhere: say it at the top of the form.
        if self._errors.pop(CHAMP_VERSION, None):
            self.add_error(None, ValidationError(VERSION_ABSENTE, code="version_absente"))
        if self.refuser_un_envoi_incomplet:
            manquants = [
                str(self.fields[nom].label or nom)
                for nom, champ in self.fields.items()
                if nom != CHAMP_VERSION
                and champ.widget.value_omitted_from_data(
                    self.data, self.files, self.add_prefix(nom)
                )
            ]
            if manquants:
                self.add_error(
                    None,
                    ValidationError(
                        ENVOI_INCOMPLET,
                        code="envoi_incomplet",
                        params={"champs": ", ".join(manquants)},
                    ),
                )

    def save(self, commit: bool = True):
        """Save only over the version the form was opened at (ConflitDeVersion otherwise, and
        nothing saved); ``commit=False`` leaves that to the caller (``save_versioned()``)."""
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():
            instance = super().save(commit=False)
            instance.save_versioned(self.version_ouverte)
            self._save_m2m()
        return instance

    def enregistrer(self) -> Conflit | None:
        """Save; on a conflict (nothing saved), bind the form to the version now saved and
        return what the user is told (the view answers 409 with the form and the Conflit)."""
        try:
            self.save()
        except ConflitDeVersion as erreur:
            return self.conflit(erreur)
        return None

    def conflit(self, erreur: ConflitDeVersion) -> Conflit:
        """After a refused save: what the user is told; the form now carries the version
        saved meanwhile (404 if the object was deleted meanwhile)."""
        actuelle = erreur.actuelle
        if actuelle is None:
            model = type(erreur.instance)
            raise Http404(
                f"{capfirst(designation(model))} a été supprimé{'e' if est_feminin(model) else ''}."
            )
        conflit = decrire_conflit(actuelle, self.version_ouverte, saisie=self.cleaned_data)
        self.data = a_la_version(self.data, actuelle.version, self.add_prefix(CHAMP_VERSION))
        return conflit
