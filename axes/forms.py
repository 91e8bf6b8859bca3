"""Forms editing the plan: axes and objectives of the current projet."""

from django import forms
from django.core.validators import MinValueValidator

from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
from projet_social.contraintes import message_contrainte
from projet_social.versioning import VersionedForm


def _numero_positif(champ: forms.Field, message: str) -> None:
    champ.validators.append(MinValueValidator(1, message=message))
    champ.widget.attrs["min"] = 1


class AxeForm(VersionedForm):
    class Meta:
        model = Axe
        fields = ["numero", "intitule", "description", "couleur"]
        widgets = {
            "couleur": forms.TextInput(attrs={"type": "color", "class": "form-control-color"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "numero": "Le numéro de l'axe préfixe ceux de ses objectifs et actions (« 2.3.1 »).",
        }

    def __init__(self, *args, projet: ProjetSocial, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.projet = projet
        _numero_positif(self.fields["numero"], message_contrainte(Axe, "axes_axe_numero_positif"))

    def clean_couleur(self) -> str:
        return self.cleaned_data["couleur"].lower()

    def clean_numero(self) -> int:
        # The projet is not a field of the form, so Django skips the (projet, numero)
        # constraint: check it here, with the model's own message, next to the field.
        numero = self.cleaned_data["numero"]
        pris = Axe.objects.filter(projet=self.instance.projet, numero=numero)
        if pris.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                message_contrainte(Axe, "axes_axe_numero_unique_par_projet"), code="unique"
            )
        return numero


class ObjectifForm(VersionedForm):
    """Create an objective under a given axe, or edit one and possibly move it to another axe
    of the same projet (``deplacable``)."""

    class Meta:
        model = Objectif
        fields = ["axe", "numero", "intitule", "description"]
        widgets = {
            "intitule": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "axe": "Changer d'axe change le code de l'objectif et de ses actions (« 2.3.1 »).",
        }
        error_messages = {
            "axe": {"invalid_choice": "Choisissez un axe de ce projet social."},
        }

    def __init__(self, *args, projet: ProjetSocial, deplacable: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if deplacable:
            self.fields["axe"].queryset = Axe.objects.du_projet(projet)
            self.fields["axe"].empty_label = None
            self.fields["axe"].widget.attrs["class"] = "form-select"
        else:
            del self.fields["axe"]
        _numero_positif(
            self.fields["numero"], message_contrainte(Objectif, "axes_objectif_numero_positif")
        )

    def clean(self) -> dict:
        # Checked here rather than left to the model: the axe may be outside the form
        # (creation) and the message belongs next to the numéro.
        cleaned = super().clean()
        axe = cleaned.get("axe", self.instance.axe if self.instance.axe_id else None)
        numero = cleaned.get("numero")
        if axe is not None and numero is not None:
            pris = Objectif.objects.filter(axe=axe, numero=numero).exclude(pk=self.instance.pk)
            if pris.exists():
                self.add_error(
                    "numero",
                    forms.ValidationError(
                        message_contrainte(Objectif, "axes_objectif_numero_unique_par_axe"),
                        code="unique",
                    ),
                )
        return cleaned


class BesoinSocialForm(forms.ModelForm):
    """A need found by the analysis of social needs (ABS) of the current projet."""

    class Meta:
        model = BesoinSocial
        fields = ["thematique", "constat", "chiffre_cle", "source"]
        widgets = {"constat": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "thematique": "Par exemple « Isolement des personnes âgées ».",
            "constat": "Ce que l'ABS a montré.",
            "chiffre_cle": "Par exemple « 1 habitant sur 4 a plus de 65 ans ».",
            "source": "Par exemple « ABS 2021, données INSEE 2018 ».",
        }

    def __init__(self, *args, projet: ProjetSocial, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.projet = projet
