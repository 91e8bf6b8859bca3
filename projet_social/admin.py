"""What the admins of the three apps share about versioned objects (fiche, évaluation, bilan,
partenaire, réunion, axe, objectif): the change form carries the version it was opened at, and
a change form posted without it, or over a newer version, is refused with the message the
application gives (nothing saved; the form then carries the version now saved, so saving
again overwrites it knowingly)."""

from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.http import HttpRequest

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
        actuelle = (
            type(self.instance)._base_manager.select_for_update().filter(pk=self.instance.pk)
        ).first()
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
