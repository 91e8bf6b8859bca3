"""The import-export toolkit shared by the three apps' resources.

The toolkit (``ResourceProjet``, the French widgets, ``colonne``) is used by the resources of
the three apps, so that every import behaves the same way:

- column headers are the French verbose names of the model fields ("Intitulé", "Échéance");
- rows are keyed on the numbers users read ("2", "2.3", "2.3.1"), never on database ids, so
  re-importing an edited export updates the rows and never duplicates them;
- numbers are resolved **within one projet social**: the one given to the resource
  (``ActionResource(projet=p)``, as the import of a whole plan will do), else the one named in
  the row's "Projet social" column (its exact intitulé, as exports write it), else the current
  plan (``ProjetSocial.objects.courant()``). Exports always write the column, so an export
  re-imported while a newer plan has become current still lands in its own plan;
- a bad value gives a French error keyed by the column header, and the import is all or
  nothing: validation errors roll the whole import back, not only the row
  (``rollback_on_validation_errors`` defaults to True here);
- a text cell that a spreadsheet would run as a formula ("=HYPERLINK(…)", "+1+1", "@SUM(1)")
  is exported behind a quote and read back without it, in every format (see
  ``neutraliser_formule``); numbers stay numbers.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.text import capfirst
from import_export import resources
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.widgets import ManyToManyWidget, NumberWidget, Widget

from axes.models import ProjetSocial
from projet_social.versioning import VersionedModel

COLONNE_PROJET = "Projet social"


def colonne(model: type[models.Model], nom: str, **kwargs) -> Field:
    """A resource field headed by the model field's French verbose name ("Échéance")."""
    champ = model._meta.get_field(nom)
    kwargs.setdefault("attribute", nom)
    return Field(column_name=capfirst(champ.verbose_name), **kwargs)


# What a spreadsheet takes for the start of a formula: "=", "+", "-", "@", and the tab and
# carriage return that some of them skip before one (OWASP, "CSV injection").
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser_formule(texte: str) -> str:
    """A text cell that no spreadsheet runs: one quote before a text that starts a formula.

    The rule, and its inverse ``retablir_formule`` applied to every cell read on import, so
    that any text reads back identical:

    - export: a text made of zero or more quotes then one of ``DEBUTS_DE_FORMULE`` gets one
      more quote in front: "=1+1" -> "'=1+1", "'=1+1" -> "''=1+1", "-2+3" -> "'-2+3";
    - import: a text made of one or more quotes then one of ``DEBUTS_DE_FORMULE`` loses its
      first quote: "'=1+1" -> "=1+1", "''=1+1" -> "'=1+1";
    - every other text is left alone both ways: "'Tis", "'", "''", "l'=1", "2-3".

    Each exported cell therefore starts with a quote or with a character that starts no
    formula. The quote is the spreadsheets' own "this is text" mark, so a person typing
    "'=1+1" in a file to import means the text "=1+1", which is what they get. Numbers are
    not texts and are not given to this function (a -2.5 stays a number cell).
    """
    if texte.lstrip("'").startswith(DEBUTS_DE_FORMULE):
        return "'" + texte
    return texte


def retablir_formule(texte: str) -> str:
    """The text ``neutraliser_formule`` was given: one quote less before a formula start."""
    if texte.startswith("'") and texte.lstrip("'").startswith(DEBUTS_DE_FORMULE):
        return texte[1:]
    return texte


def cellule_texte(value) -> str:
    """A cell as stripped text; spreadsheets give numbers for cells such as "2" or "2.3".

    The quote that exports put before a formula-like text is removed (``retablir_formule``),
    after the stripping, so that a text exported as "'\tTab" reads back as "\tTab".
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return retablir_formule(str(value).strip())


# OOXML's escape of the characters an XML file cannot carry as they are (ST_Xstring): "_x000D_"
# for a carriage return; "_x005F_" for the "_" of a text that looks like such an escape.
A_ECHAPPER_OOXML = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b-\x1f]")
ECHAPPEMENT_OOXML = re.compile(r"_x([0-9A-Fa-f]{4})_")


def echapper_ooxml(texte: str) -> str:
    return A_ECHAPPER_OOXML.sub(lambda m: f"_x{ord(m.group()):04X}_", texte)


def lire_ooxml(texte: str) -> str:
    return ECHAPPEMENT_OOXML.sub(lambda m: chr(int(m.group(1), 16)), texte)


class FormatXLSX(base_formats.XLSX):
    """import-export's XLSX, whose texts read back with every character.

    openpyxl writes a carriage return as it is, and XML turns it into a line feed when read
    (a fiche typed in a browser has "\r\n" line ends), and it refuses the other control
    characters. Texts are therefore written with OOXML's own escape ("_x000D_"), as Excel
    does, and read back through it, which openpyxl does not do (so a file saved by Excel
    reads back right too).
    """

    def export_data(self, dataset: tablib.Dataset, **kwargs):
        return super().export_data(_cellules_changees(dataset, echapper_ooxml), **kwargs)

    def create_dataset(self, in_stream) -> tablib.Dataset:
        return _cellules_changees(super().create_dataset(in_stream), lire_ooxml)


def _cellules_changees(dataset: tablib.Dataset, changer) -> tablib.Dataset:
    """A copy of ``dataset`` with ``changer`` applied to its text cells."""

    def ligne(valeurs) -> list:
        return [changer(v) if isinstance(v, str) else v for v in valeurs]

    copie = tablib.Dataset(*(ligne(r) for r in dataset), title=dataset.title)
    copie.headers = ligne(dataset.headers) if dataset.headers else dataset.headers
    return copie


def decouper_code(value, parties: int, nom: str) -> tuple[int, ...]:
    """ "2.3.1" -> (2, 3, 1); a French ValueError when the code is not ``parties`` numbers."""
    texte = cellule_texte(value)
    morceaux = texte.split(".")
    exemple = ".".join(str(i + 1) for i in range(parties))
    if len(morceaux) != parties or not all(m.isdigit() for m in morceaux):
        raise ValueError(
            f"Code {nom} « {texte} » non reconnu : attendu {parties} nombres séparés par des "
            f"points, par exemple « {exemple} »."
        )
    return tuple(int(m) for m in morceaux)


class TexteWidget(Widget):
    """Text cells, stripped; an empty cell is an empty text, never None."""

    def clean(self, value, row=None, **kwargs) -> str:
        return cellule_texte(value)

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


class NombreWidget(Widget):
    """Numbers: native numbers in XLSX, their digits in text formats; never neutralised as
    formulas (``ResourceFrancaise.export_field``), since "-2.5" is a number, not a formula."""

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class EntierWidget(NombreWidget):
    def clean(self, value, row=None, **kwargs) -> int | None:
        texte = cellule_texte(value)
        if not texte:
            return None
        try:
            return int(texte)
        except ValueError:
            raise ValueError(f"« {texte} » n'est pas un nombre entier.") from None


class DecimalWidget(NombreWidget):
    """Decimal numbers, written "12,5" or "12.5"."""

    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return Decimal(str(value))
        texte = cellule_texte(value).replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if not texte:
            return None
        try:
            return Decimal(texte.replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"« {texte} » n'est pas un nombre.") from None


class DateWidget(Widget):
    """Dates as French users type them (31/12/2025), or ISO, or a spreadsheet date cell.

    Exports write JJ/MM/AAAA in text formats and a real date in Excel.
    """

    FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y")

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        texte = cellule_texte(value)
        if not texte:
            return None
        # Spreadsheets exported as text sometimes add a midnight time.
        texte = texte.removesuffix(" 00:00:00")
        for fmt in self.FORMATS:
            try:
                return datetime.datetime.strptime(texte, fmt).date()
            except ValueError:
                continue
        raise ValueError(f"Date « {texte} » non reconnue : écrivez-la au format JJ/MM/AAAA.")

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else value.strftime("%d/%m/%Y")


class OuiNonWidget(Widget):
    VRAI = {"oui", "o", "vrai", "1", "x", "true", "yes"}
    FAUX = {"non", "n", "faux", "0", "false", "no"}

    def clean(self, value, row=None, **kwargs) -> bool | None:
        if isinstance(value, bool):
            return value
        texte = cellule_texte(value).lower()
        if not texte:
            return None
        if texte in self.VRAI:
            return True
        if texte in self.FAUX:
            return False
        raise ValueError(f"« {texte} » : répondez « oui » ou « non ».")

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        return "oui" if value else "non"


class ChoixWidget(Widget):
    """A TextChoices field shown by its French label ("En cours"); the stored value is accepted.

    An empty cell gives None: declare the field with ``saves_null_values=False`` so that it
    keeps the current value (or the model default for a new row), or with ``default=""``
    where a blank choice is allowed.
    """

    def __init__(self, choices: type[models.TextChoices], **kwargs) -> None:
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs) -> str | None:
        texte = cellule_texte(value)
        if not texte:
            return None
        cherche = texte.casefold()
        for valeur, libelle in self.choices.choices:
            if cherche in (str(libelle).casefold(), valeur.casefold()):
                return valeur
        possibles = ", ".join(str(libelle) for libelle in self.choices.labels)
        raise ValueError(f"« {texte} » n'est pas une valeur possible ({possibles}).")

    def render(self, value, obj=None, **kwargs) -> str:
        if not value:
            return ""
        try:
            return str(self.choices(value).label)
        except ValueError:
            return str(value)


class ListeWidget(ManyToManyWidget):
    """A many-to-many field as a ";"-joined list of names; an unknown name is an error."""

    def __init__(self, model: type[models.Model], field: str, **kwargs) -> None:
        super().__init__(model, separator=";", field=field, **kwargs)

    def clean(self, value, row=None, **kwargs) -> models.QuerySet:
        noms = [nom.strip() for nom in cellule_texte(value).split(self.separator) if nom.strip()]
        if not noms:
            return self.model.objects.none()
        trouves = self.model.objects.filter(**{f"{self.field}__in": noms})
        connus = {getattr(obj, self.field) for obj in trouves}
        inconnus = [nom for nom in noms if nom not in connus]
        if inconnus:
            liste = ", ".join(f"« {nom} »" for nom in inconnus)
            raise ValueError(
                f"{capfirst(self.model._meta.verbose_name)} inconnu(s) : {liste}. "
                "Ajoutez-les d'abord dans l'administration ou corrigez l'orthographe."
            )
        return trouves

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        return f"{self.separator} ".join(str(getattr(o, self.field)) for o in value.all())


class ResourceFrancaise(resources.ModelResource):
    """French errors keyed by column headers, model validation, all-or-nothing imports, and
    exports that no spreadsheet runs as formulas."""

    # Model fields that are not columns but whose errors belong to one ({"numero": "code"}).
    erreurs_vers_champ: dict[str, str] = {}

    def export_field(self, field, instance, **kwargs):
        """Every text cell neutralised (``neutraliser_formule``), whatever wrote it: a text
        widget, a choice's label, a list of names, a user's name, a ``dehydrate_`` method.

        Done here rather than with import-export's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT
        (or tablib's ``escape``, XLSX only): it only drops a leading "=", so "=1+1" reads
        back as "1+1" and "+1+1", "@SUM(1)" are left; it turns every cell into text, numbers
        and dates included (and an empty one into "None"); nothing undoes it on import.
        """
        valeur = super().export_field(field, instance, **kwargs)
        if isinstance(valeur, str) and not isinstance(field.widget, NombreWidget | NumberWidget):
            return neutraliser_formule(valeur)
        return valeur

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        """As in import-export, but a row failing validation rolls the whole import back."""
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )

    def import_instance(self, instance, row, **kwargs) -> None:
        errors: dict[str, list] = {}
        for field in self.get_import_fields():
            try:
                if isinstance(field.widget, ManyToManyWidget):
                    # Saved after the instance by save_m2m(); checked now so that a bad name
                    # is a row error in French rather than a crash after the save.
                    if not field.readonly and field.column_name in row:
                        field.clean(row, **kwargs)
                    continue
                self.import_field(field, instance, row, **kwargs)
            except ValueError as e:
                errors[field.column_name] = [str(e)]
        try:
            self.resolve_keys(instance, row, **kwargs)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def resolve_keys(self, instance, row, **kwargs) -> None:
        """Set the relations the row's key columns name (the objectif of "2.3.1"…)."""

    def do_instance_save(self, instance, is_create) -> None:
        if not is_create and isinstance(instance, VersionedModel):
            # Bumps the version, so that a fiche open in a form while the import ran is not
            # saved over the imported values afterwards.
            instance.save_versioned(instance.version)
        else:
            super().do_instance_save(instance, is_create)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        exclude = set()
        for colonne_en_erreur in errors:
            exclude.update(self._attributes_of_column(colonne_en_erreur))
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as e:
            for nom, messages in e.message_dict.items():
                errors.setdefault(self._column_of_attribute(nom), []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def _attributes_of_column(self, column_name: str) -> set[str]:
        noms = {
            nom
            for nom, field in self.fields.items()
            if field.column_name == column_name or nom == column_name
        }
        attributs = {self.fields[nom].attribute for nom in noms if self.fields[nom].attribute}
        attributs |= {attr for attr, nom in self.erreurs_vers_champ.items() if nom in noms}
        return attributs

    def _column_of_attribute(self, attribute: str) -> str:
        if attribute == NON_FIELD_ERRORS:
            return attribute
        nom = self.erreurs_vers_champ.get(attribute)
        if nom in self.fields:
            return self.fields[nom].column_name
        for field in self.fields.values():
            if field.attribute == attribute:
                return field.column_name
        try:
            return capfirst(self._meta.model._meta.get_field(attribute).verbose_name)
        except FieldDoesNotExist:
            return attribute


class ResourceProjet(ResourceFrancaise):
    """A resource whose rows live in one projet social; see the module docstring."""

    def __init__(self, projet: ProjetSocial | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.projet = projet
        self._projets: dict[str, ProjetSocial] = {}
        self._projet_courant: ProjetSocial | None = None

    def projet_of_row(self, row) -> ProjetSocial:
        """The projet the row's numbers refer to; a French ValidationError if there is none."""
        if self.projet is not None:
            return self.projet
        intitule = cellule_texte(row.get(COLONNE_PROJET))
        if intitule:
            if intitule not in self._projets:
                projets = list(ProjetSocial.objects.filter(intitule=intitule)[:2])
                if not projets:
                    raise ValidationError(
                        {COLONNE_PROJET: f"Aucun projet social ne s'intitule « {intitule} »."}
                    )
                if len(projets) > 1:
                    raise ValidationError(
                        {
                            COLONNE_PROJET: f"Plusieurs projets sociaux s'intitulent "
                            f"« {intitule} » : renommez-en un dans l'administration."
                        }
                    )
                self._projets[intitule] = projets[0]
            return self._projets[intitule]
        if self._projet_courant is None:
            self._projet_courant = ProjetSocial.objects.courant()
            if self._projet_courant is None:
                raise ValidationError(
                    "Aucun projet social n'existe : créez-le avant d'importer ses données."
                )
        return self._projet_courant

    def dehydrate_projet(self, obj) -> str:
        return self.projet_of_instance(obj).intitule

    def projet_of_instance(self, obj) -> ProjetSocial:
        raise NotImplementedError
