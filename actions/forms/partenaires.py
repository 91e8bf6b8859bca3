"""Forms of the partners directory: search, create/edit, merge two duplicates."""

from django import forms
from django.db import models

from actions.enums import TypePartenaire
from actions.models import Partenaire
from projet_social.versioning import VersionedForm

NOM_DEJA_PRIS = "Un partenaire porte déjà ce nom dans l'annuaire."


class RecherchePartenaireForm(forms.Form):
    """The search box and the type filter of the directory (GET, so a filtered list is a link)."""

    q = forms.CharField(label="Rechercher", required=False, max_length=200)
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Tous les types"), *TypePartenaire.choices],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"class": "form-control", "type": "search", "placeholder": "nom ou contact"}
        )
        self.fields["type"].widget.attrs["class"] = "form-select"


def _champ_de_formulaire(champ: models.Field, **kwargs) -> forms.Field | None:
    """Web addresses typed without a scheme ("ccas.fr") become https:// ones."""
    if isinstance(champ, models.URLField):
        kwargs["assume_scheme"] = "https"
    return champ.formfield(**kwargs)


class PartenaireForm(VersionedForm):
    class Meta:
        model = Partenaire
        formfield_callback = _champ_de_formulaire
        fields = ["nom", "type", "contact", "telephone", "email", "site"]
        error_messages = {"nom": {"unique": NOM_DEJA_PRIS}}
        widgets = {"telephone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}


class FusionPartenaireForm(forms.Form):
    """Which partner absorbs the duplicate (the duplicate is the one in the URL)."""

    garder = forms.ModelChoiceField(
        label="Partenaire à conserver",
        queryset=Partenaire.objects.none(),
        empty_label="Choisissez le partenaire à conserver",
        help_text=(
            "Ses participations aux actions, ses financements et ses présences aux réunions "
            "lui seront rattachés ; le doublon sera supprimé."
        ),
        error_messages={
            "required": "Choisissez le partenaire à conserver.",
            "invalid_choice": "Ce partenaire n'existe pas ou ne peut pas être choisi.",
        },
    )

    def __init__(self, *args, doublon: Partenaire, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["garder"].queryset = Partenaire.objects.exclude(pk=doublon.pk)
        self.fields["garder"].widget.attrs["class"] = "form-select"
