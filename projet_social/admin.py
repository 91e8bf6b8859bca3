"""What the admins of the three apps share: the export (no import), the read-only history, the
select of accounts, and, about versioned objects (fiche, évaluation, bilan,
partenaire, réunion, axe, objectif): the change form carries the version it was opened at, and
a change form posted without it, or over a newer version, is refused with the message the
application gives (nothing saved; the form then carries the version now saved, so saving
again overwrites it knowingly)."""

from typing import NoReturn

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.urls import path
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV
from import_export.forms import SelectableFieldsExportForm
from simple_history.admin import SimpleHistoryAdmin

from projet_social.resources import FormatXLSX
from projet_social.utilisateurs import ORDRE_DES_NOMS, nom_affiche
from projet_social.versioning import (
    CHAMP_VERSION,
    VersionedForm,
    a_la_version,
    decrire_conflit,
)


class VersionedAdminForm(VersionedForm):
    """The admin cannot answer 409 with the differences: a newer version is a form error."""

    def clean(self) -> dict:
        cleaned_data = super().clean()
        ouverte = cleaned_data.get(CHAMP_VERSION)
        if self.instance._state.adding or ouverte is None:
            return cleaned_data
        # The admin wraps the whole save in a transaction: on PostgreSQL the row stays locked
        # until save_versioned() bumps the version.
        # Unordered: Meta.ordering could join a nullable relation (an evaluation's fiche),
        # and PostgreSQL locks no row on the nullable side of an outer join.
        actuelle = (
            type(self.instance)
            ._base_manager.select_for_update()
            .filter(pk=self.instance.pk)
            .order_by()
            .first()
        )
        if actuelle is not None and actuelle.version != ouverte:
            conflit = decrire_conflit(actuelle, ouverte, saisie=cleaned_data)
            self.data = a_la_version(self.data, actuelle.version, self.add_prefix(CHAMP_VERSION))
            raise ValidationError(
                f"{conflit.message} {conflit.resume()}".strip(), code="conflit_de_version"
            )
        return cleaned_data


class VersionedAdminMixin:
    """For the ModelAdmin (or the inline) of a VersionedModel: the hidden ``version`` in the
    first fieldset, checked by the form, and the save made over that version only."""

    form = VersionedAdminForm

    def get_exclude(self, request: HttpRequest, obj=None):
        # The model field is not editable: naming it in the form's fields would be an error;
        # the form's own field (declared) carries it.
        return [*(super().get_exclude(request, obj) or ()), CHAMP_VERSION]

    def get_fields(self, request: HttpRequest, obj=None):
        champs = list(super().get_fields(request, obj))
        return champs if CHAMP_VERSION in champs else [*champs, CHAMP_VERSION]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if CHAMP_VERSION in flatten_fieldsets(fieldsets):
            return fieldsets
        (nom, options), *autres = fieldsets
        return [(nom, {**options, "fields": (*options["fields"], CHAMP_VERSION)}), *autres]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        obj._history_user = request.user
        obj.save_versioned(form.version_ouverte)


class FormulaireExport(SelectableFieldsExportForm):
    """The export form, its column checkboxes labelled by the French headers only."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field is not None else field_name


class ExportAdmin(ExportMixin, admin.ModelAdmin):
    """The "Exporter" button of a list: its rows (as filtered) in CSV or XLSX, the columns to
    choose, French headers; text cells are safe from formulas (``ResourceFrancaise``).

    Export only: the admin has no import screens. Import-export's own (``ImportMixin``) read
    a file named by the posted form from the server's temporary folder, answered a wrong
    header with an English traceback and a bad format with a server error; files are to be
    imported through the application's own page instead.
    """

    export_form_class = FormulaireExport
    # The formats a spreadsheet opens; the quote that neutralises a formula-like text is a
    # spreadsheet convention, noise in JSON or HTML.
    export_formats = (CSV, FormatXLSX)

    def get_export_data(self, file_format, request: HttpRequest, queryset, **kwargs):
        # As import-export's, but numbers and dates are written as such in every binary
        # format: it recognises only its own classes (``type(...) in BINARY_FORMATS``).
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        return file_format.export_data(data)

    def get_urls(self) -> list:
        # Without these, the admin's catch-all would take "import" for an object's id and
        # redirect; the old addresses are plainly not found, for every method.
        absentes = [path(f"{nom}/", page_absente) for nom in ("import", "process_import")]
        return absentes + super().get_urls()


def page_absente(request: HttpRequest) -> NoReturn:
    raise Http404("L'import de fichiers ne se fait pas depuis l'administration.")


def choix_utilisateurs(db_field, kwargs: dict, queryset=None) -> forms.ModelChoiceField:
    """A select of accounts by name: ``queryset``, by default the active accounts.

    Not an autocomplete: the autocomplete view needs the permission to view user accounts,
    which agents do not have, and a CCAS has a few dozen accounts at most.
    """
    if queryset is None:
        queryset = get_user_model().objects.filter(is_active=True).order_by(*ORDRE_DES_NOMS)
    kwargs["queryset"] = queryset
    field = db_field.formfield(**kwargs)
    field.label_from_instance = nom_affiche
    return field


class HistoriqueAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history is a read-only record.

    Reverting from the history page is disabled: it would save a fiche without its inlines,
    bypass the optimistic locking and, for simple-history, only needs the view permission on
    POST; a closed campaign's evaluation could be changed through it.
    """

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
