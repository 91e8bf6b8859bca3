"""Forms of the yearly review: opening a campaign, editing it, filtering its actions."""

from django import forms

from axes.models import ProjetSocial
from evaluations.enums import Appreciation
from evaluations.models import Campagne
from evaluations.services import AxeDuBilan, Etat, LigneBilan
from projet_social.contraintes import message_contrainte
from projet_social.versioning import VersionedForm

ANNEE_DEJA_OUVERTE = message_contrainte(Campagne, "evaluations_campagne_annee_unique_par_projet")


class CampagneOuvertureForm(forms.Form):
    """The year to open: one campaign per year of the projet's period."""

    annee = forms.IntegerField(label="Année à évaluer")

    def __init__(self, *args, projet: ProjetSocial, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.projet = projet
        champ = self.fields["annee"]
        champ.widget.attrs.update(min=str(projet.annee_debut), max=str(projet.annee_fin))
        champ.help_text = (
            f"Une année de la période du projet social ({projet.annee_debut} à "
            f"{projet.annee_fin}) ; un seul bilan par année."
        )
        champ.error_messages["invalid"] = "Indiquez une année, par exemple 2026."
        champ.error_messages["required"] = "Indiquez l'année à évaluer."
        if not self.is_bound:
            self.initial.setdefault("annee", annee_suggeree(projet))

    def clean_annee(self) -> int:
        annee = self.cleaned_data["annee"]
        projet = self.projet
        if not projet.annee_debut <= annee <= projet.annee_fin:
            raise forms.ValidationError(
                "L'année %(annee)s est hors de la période du projet social (%(debut)s à %(fin)s).",
                code="hors_periode",
                params={"annee": annee, "debut": projet.annee_debut, "fin": projet.annee_fin},
            )
        if Campagne.objects.du_projet(projet).filter(annee=annee).exists():
            raise forms.ValidationError(ANNEE_DEJA_OUVERTE, code="unique")
        return annee


def annee_suggeree(projet: ProjetSocial) -> int | None:
    """The year after the latest campaign, else the first year of the period not opened."""
    ouvertes = set(Campagne.objects.du_projet(projet).values_list("annee", flat=True))
    periode = range(projet.annee_debut, projet.annee_fin + 1)
    if ouvertes and max(ouvertes) + 1 in periode:
        return max(ouvertes) + 1
    return next((annee for annee in periode if annee not in ouvertes), None)


class CampagneForm(VersionedForm):
    """What the review records besides the evaluations: meeting date, synthesis, decisions.
    Every field is optional free text: a POST without the version, or missing a field, is
    refused rather than blanking what the review holds."""

    refuser_un_envoi_incomplet = True

    class Meta:
        model = Campagne
        fields = ["date_reunion", "synthese", "decisions"]
        widgets = {
            "date_reunion": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "synthese": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "synthese": "Ce que retient le bilan de l'année, pour le dossier et pour les élus.",
            "decisions": "Les décisions de la réunion partenariale, une par ligne.",
        }


class FiltreBilanForm(forms.Form):
    """The filters of the campaign page, kept in the URL (a filtered page is a link).

    The page reads every line of the campaign anyway (the decisions need them all, and a
    closed campaign's lines are its own rows), so the filters apply to those lines
    rather than to a queryset: a plain form, not a django-filter FilterSet."""

    axe = forms.TypedChoiceField(label="Axe", required=False, coerce=int, empty_value=None)
    pilote = forms.ChoiceField(label="Pilote", required=False)
    appreciation = forms.ChoiceField(
        label="Appréciation",
        required=False,
        choices=[("", "Toutes"), *Appreciation.choices],
    )
    non_evaluees = forms.BooleanField(label="Non évaluées seulement", required=False)

    def __init__(self, *args, axes: list[AxeDuBilan], lignes: list[LigneBilan], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["axe"].choices = [("", "Tous")] + [(axe.numero, str(axe)) for axe in axes]
        # By name: a closed review knows its pilotes by the names they had at the closing.
        pilotes = {ligne.pilote_nom for ligne in lignes if ligne.pilote_nom}
        self.fields["pilote"].choices = [("", "Tous")] + [
            (nom, nom) for nom in sorted(pilotes, key=str.casefold)
        ]
        for nom in ("axe", "pilote", "appreciation"):
            self.fields[nom].widget.attrs["class"] = "form-select"
        self.fields["non_evaluees"].widget.attrs["class"] = "form-check-input"

    def filtrer(self, lignes: list[LigneBilan]) -> list[LigneBilan]:
        if not self.is_bound or not self.is_valid():
            return lignes
        donnees = self.cleaned_data
        if donnees["axe"] is not None:
            lignes = [ligne for ligne in lignes if ligne.numero_axe == donnees["axe"]]
        if donnees["pilote"]:
            lignes = [ligne for ligne in lignes if ligne.pilote_nom == donnees["pilote"]]
        if donnees["appreciation"]:
            lignes = [ligne for ligne in lignes if ligne.appreciation == donnees["appreciation"]]
        if donnees["non_evaluees"]:
            lignes = [ligne for ligne in lignes if ligne.etat == Etat.A_EVALUER]
        return lignes

    @property
    def actifs(self) -> list[str]:
        """Labels of the filters in use, for the "N actions – filtres : …" sentence."""
        if not self.is_bound or not self.is_valid():
            return []
        return [
            str(self.fields[nom].label)
            for nom, valeur in self.cleaned_data.items()
            if valeur not in (None, "", False)
        ]
