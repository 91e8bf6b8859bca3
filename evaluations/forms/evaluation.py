"""The evaluation of one action in a yearly review: the evaluation itself (with the fields it
may carry over to the fiche: statut, échéance, motif de l'abandon) and one value per indicator
of the action (a formset of Mesure, one row per indicator)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils import formats

from actions.enums import StatutAction
from actions.models import Action
from evaluations.enums import Appreciation
from evaluations.models import Evaluation, Mesure
from projet_social.versioning import VersionedForm
from projet_social.widgets import NombreInput


def _champ_date() -> forms.DateInput:
    """A native date picker; the ISO format is what <input type="date"> expects."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _zone_de_texte(lignes: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": lignes})


def _positif(message: str):
    def valider(valeur) -> None:
        if valeur is not None and valeur < 0:
            raise ValidationError(message, code="min_value")

    return valider


def _marquer_les_erreurs(form: forms.BaseForm) -> None:
    """Flag the widgets of invalid fields (red border, aria-invalid, the error message as
    description) in rows rendered by hand; crispy-forms does it for the other fields."""
    for nom in form.errors:
        if nom in form.fields:
            attrs = form.fields[nom].widget.attrs
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{form[nom].auto_id}-erreurs"


class EvaluationForm(VersionedForm):
    """The evaluation of ``action`` in a campaign. ``version`` is the evaluation's version when
    the form was opened, 0 when the action had no evaluation in the campaign yet (someone
    else creating it meanwhile is a conflict too)."""

    version_a_la_creation = 0

    taux_realisation = forms.IntegerField(
        label="Taux de réalisation (%)",
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": "Le taux de réalisation doit être compris entre 0 et 100.",
            "max_value": "Le taux de réalisation doit être compris entre 0 et 100.",
            "invalid": "Saisissez un nombre entier entre 0 et 100.",
            "required": "Indiquez le taux de réalisation (0 à 100).",
        },
    )
    motif_abandon = forms.CharField(
        label="Motif de l'abandon",
        required=False,
        widget=_zone_de_texte(2),
        help_text="Obligatoire quand le statut est « Abandonnée » ; reporté sur la fiche.",
    )

    class Meta:
        model = Evaluation
        fields = [
            "statut",
            "taux_realisation",
            "appreciation",
            "realise",
            "points_forts",
            "difficultes",
            "reajustements",
            "nouvelle_echeance",
        ]
        widgets = {
            "realise": _zone_de_texte(3),
            "points_forts": _zone_de_texte(2),
            "difficultes": _zone_de_texte(2),
            "reajustements": _zone_de_texte(2),
            "nouvelle_echeance": _champ_date(),
        }

    def __init__(self, *args, action: Action, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        evaluation = self.instance
        appreciation = self.fields["appreciation"]
        appreciation.required = True
        appreciation.choices = [("", "Choisir…"), *Appreciation.choices]
        appreciation.error_messages["required"] = (
            "Choisissez une appréciation : c'est elle qui marque l'action comme évaluée."
        )
        appreciation.help_text = "Obligatoire : elle marque l'action comme évaluée."
        statut = self.fields["statut"]
        statut.help_text = (
            f"Sur la fiche : {action.get_statut_display()}. Un autre statut met la fiche à jour."
        )
        echeance = action.echeance
        echeance_fiche = formats.date_format(echeance, "d/m/Y") if echeance else "non renseignée"
        nouvelle_echeance = self.fields["nouvelle_echeance"]
        nouvelle_echeance.help_text = (
            f"Échéance de la fiche : {echeance_fiche}. Une autre date met la fiche à jour."
        )
        self.fields["motif_abandon"].initial = action.motif_abandon
        if not evaluation.est_saisie:
            # A new evaluation, or an empty one prepared when the campaign opened: start from
            # the fiche's statut, so saving without touching it leaves the fiche alone.
            self.initial["statut"] = action.statut
            self.initial["taux_realisation"] = None  # typed, never a silent 0

    def clean_nouvelle_echeance(self) -> datetime.date | None:
        echeance = self.cleaned_data["nouvelle_echeance"]
        debut = self.action.date_debut
        if echeance is not None and debut is not None and echeance < debut:
            raise ValidationError(
                "La nouvelle échéance ne peut pas précéder la date de début de l'action "
                f"({formats.date_format(debut, 'd/m/Y')}).",
                code="avant_debut",
            )
        return echeance

    def clean(self) -> dict:
        cleaned_data = super().clean()
        motif = cleaned_data.get("motif_abandon", "").strip()
        cleaned_data["motif_abandon"] = motif
        if cleaned_data.get("statut") == StatutAction.REALISEE:
            # A réalisée action is done: its taux is 100, whatever was typed (or not).
            self._errors.pop("taux_realisation", None)
            cleaned_data["taux_realisation"] = 100
        if cleaned_data.get("statut") == StatutAction.ABANDONNEE and not motif:
            self.add_error(
                "motif_abandon",
                "Indiquez le motif de l'abandon : il est reporté sur la fiche action.",
            )
        return cleaned_data

    def modifications_de_la_fiche(self) -> dict:
        """{field of the fiche: new value} this evaluation carries over to the fiche: a statut
        or a nouvelle échéance chosen in this form and different from the fiche's, and the
        motif of an abandon. A value merely kept from an earlier save is not carried over
        again (the fiche may have been edited since)."""
        action, donnees = self.action, self.cleaned_data
        modifications = {}
        statut = donnees["statut"]
        if "statut" in self.changed_data and statut != action.statut:
            modifications["statut"] = statut
        echeance = donnees["nouvelle_echeance"]
        if (
            "nouvelle_echeance" in self.changed_data
            and echeance is not None
            and echeance != action.echeance
        ):
            modifications["echeance"] = echeance
        abandonnee = modifications.get("statut", action.statut) == StatutAction.ABANDONNEE
        if (
            abandonnee
            and statut == StatutAction.ABANDONNEE
            and donnees["motif_abandon"] != action.motif_abandon
        ):
            modifications["motif_abandon"] = donnees["motif_abandon"]
        return modifications


class MesureForm(forms.ModelForm):
    """The value of one indicator; its label, target and last year's value are shown by the
    template beside the inputs."""

    class Meta:
        model = Mesure
        fields = ["valeur_realisee", "commentaire"]
        widgets = {"commentaire": forms.TextInput, "valeur_realisee": NombreInput}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        valeur = self.fields["valeur_realisee"]
        valeur.validators.append(_positif("La valeur réalisée ne peut pas être négative."))
        valeur.error_messages["invalid"] = "Saisissez un nombre (par exemple 12 ou 12.5)."
        valeur.widget.attrs.update({"min": "0", "class": "form-control form-control-sm"})
        self.fields["commentaire"].widget.attrs.update({"class": "form-control form-control-sm"})

    def full_clean(self) -> None:
        super().full_clean()
        _marquer_les_erreurs(self)


class BaseMesureFormSet(BaseFormSet):
    """One form per indicator of the action, bound to its Mesure (an existing row, or a new one
    saved with the evaluation). Rows are named after the indicator (``mesures-<pk>-…``), not
    after their position, so an indicator added to the fiche while the form was open does not
    shift the values typed in the other rows."""

    def __init__(self, *args, mesures: list[Mesure], **kwargs) -> None:
        self.mesures = mesures
        super().__init__(*args, **kwargs)

    def total_form_count(self) -> int:
        return len(self.mesures)

    def libelle_de_ligne(self, form: MesureForm, numero: int) -> str:
        """How the error summary names a row: by its indicator."""
        return f"Indicateur « {form.instance.indicateur.libelle} »"

    def initial_form_count(self) -> int:
        return len(self.mesures)  # every row is validated, none is an optional extra

    def get_form_kwargs(self, index: int | None) -> dict:
        kwargs = super().get_form_kwargs(index)
        if index is not None:
            kwargs["instance"] = self.mesures[index]
        return kwargs

    def add_prefix(self, index) -> str:
        if isinstance(index, int):
            return f"{self.prefix}-{self.mesures[index].indicateur_id}"
        return super().add_prefix(index)

    def a_enregistrer(self) -> tuple[list[Mesure], list[Mesure]]:
        """(new rows, changed existing rows), their values already set by validation."""
        nouvelles = [form.instance for form in self.forms if form.instance._state.adding]
        modifiees = [
            form.instance
            for form in self.forms
            if not form.instance._state.adding and form.has_changed()
        ]
        return nouvelles, modifiees


MesureFormSet = formset_factory(MesureForm, formset=BaseMesureFormSet, extra=0)
