"""The form of a meeting (réunion de concertation, réunion partenariale of a bilan annuel,
comité de pilotage).

A campaign is required for a bilan annuel meeting and refused for any other type: the campaign
is what ties the réunion partenariale to the yearly review it closes, and a concertation or a
comité de pilotage belongs to no review. Only the open campaigns of the projet can be chosen
(a closed campaign is frozen, its meeting included).
"""

from django import forms

from actions.models import Partenaire
from axes.models import Axe, ProjetSocial
from evaluations.enums import TypeReunion
from evaluations.models import Campagne, Reunion
from projet_social.search import cle_de_tri
from projet_social.versioning import VersionedForm

NB_PARTICIPANTS_NEGATIF = "Le nombre de participants ne peut pas être négatif."
CAMPAGNE_REQUISE = (
    "Choisissez la campagne du bilan annuel dont cette réunion est la réunion partenariale."
)
CAMPAGNE_INTERDITE = (
    "Seule une réunion de bilan annuel se rattache à une campagne : laissez ce champ vide "
    "ou choisissez le type « Bilan annuel »."
)
CAMPAGNE_INVALIDE = "Choisissez une campagne ouverte du projet social en cours."
AXE_INVALIDE = "Cet axe n'appartient pas au projet social en cours."
PARTENAIRE_INVALIDE = "Ce partenaire n'existe pas dans l'annuaire."
NB_PARTICIPANTS_REQUIS = "Indiquez un nombre de participants (0 si personne)."
DATE_REQUISE = "Indiquez la date de la réunion."

INTITULE_CONCERTATION = "Réunion de concertation"


def intitule_par_defaut(type_reunion: str, campagne: Campagne | None = None) -> str:
    """The title a new meeting starts with: "Réunion partenariale du Bilan 2025"."""
    if type_reunion == TypeReunion.BILAN_ANNUEL:
        return f"Réunion partenariale du {campagne}" if campagne else "Réunion partenariale"
    if type_reunion == TypeReunion.COMITE_PILOTAGE:
        return "Comité de pilotage"
    return INTITULE_CONCERTATION


class ChoixAxes(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Axe) -> str:
        return f"Axe {obj.numero} : {obj.intitule}"


class ReunionForm(VersionedForm):
    class Meta:
        model = Reunion
        fields = [
            "type",
            "campagne",
            "date",
            "intitule",
            "lieu",
            "axes",
            *Reunion.CATEGORIES,
            "partenaires",
            "compte_rendu",
        ]
        field_classes = {"axes": ChoixAxes}
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "axes": forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            "partenaires": forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            "compte_rendu": forms.Textarea(attrs={"rows": 8}),
        }
        labels = {"campagne": "Campagne du bilan annuel"}
        help_texts = {
            "campagne": (
                "Obligatoire pour la réunion partenariale d'un bilan annuel ; à laisser vide "
                "pour une concertation ou un comité de pilotage. Seules les campagnes ouvertes "
                "sont proposées."
            ),
            "compte_rendu": "Les retours à la ligne sont conservés à l'affichage.",
        }
        error_messages = {
            "date": {"required": DATE_REQUISE, "invalid": "Saisissez une date valide."},
            "campagne": {"invalid_choice": CAMPAGNE_INVALIDE},
            "axes": {"invalid_choice": AXE_INVALIDE, "invalid_pk_value": AXE_INVALIDE},
            "partenaires": {
                "invalid_choice": PARTENAIRE_INVALIDE,
                "invalid_pk_value": PARTENAIRE_INVALIDE,
            },
            **{
                champ: {"min_value": NB_PARTICIPANTS_NEGATIF, "required": NB_PARTICIPANTS_REQUIS}
                for champ in Reunion.CATEGORIES
            },
        }

    def __init__(self, *args, projet: ProjetSocial, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.projet = projet
        self.fields["type"].choices = TypeReunion.choices  # no empty "---------" choice
        # Open campaigns only: the views refuse (403) to edit the meeting of a closed one.
        self.fields["campagne"].queryset = (
            Campagne.objects.du_projet(projet).ouvertes().order_by("-annee", "pk")
        )
        self.fields["campagne"].empty_label = "Aucune (concertation, comité de pilotage)"
        self.fields["axes"].queryset = Axe.objects.du_projet(projet).order_by("numero", "pk")
        self.fields["partenaires"].queryset = Partenaire.objects.order_by(
            cle_de_tri("nom"), "nom", "pk"
        )
        for nom in ("campagne", "axes", "partenaires"):
            # Read each list of choices once, whatever the template does with it
            # (iter() first: list() would ask the iterator its length, a COUNT query).
            self.fields[nom].choices = list(iter(self.fields[nom].choices))
        for champ in Reunion.CATEGORIES:
            self.fields[champ].widget.attrs.update({"min": "0", "inputmode": "numeric"})

    def clean(self) -> dict:
        cleaned_data = super().clean()
        type_reunion = cleaned_data.get("type")
        campagne = cleaned_data.get("campagne")
        if "campagne" in self.errors or not type_reunion:
            return cleaned_data
        if type_reunion == TypeReunion.BILAN_ANNUEL and campagne is None:
            self.add_error("campagne", CAMPAGNE_REQUISE)
        elif type_reunion != TypeReunion.BILAN_ANNUEL and campagne is not None:
            self.add_error("campagne", CAMPAGNE_INTERDITE)
        return cleaned_data
