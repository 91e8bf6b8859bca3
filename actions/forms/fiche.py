"""Forms of the fiche projet: the fiche, its rows (partners, indicators, steps, budget lines),
and the forms to move and to abandon it."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from actions.enums import StatutAction
from actions.models import (
    Action,
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
    PublicCible,
)
from axes.models import BesoinSocial, Objectif, ProjetSocial
from projet_social.search import cle_de_nom
from projet_social.utilisateurs import comptes_elus, nom_affiche
from projet_social.versioning import VersionedForm
from projet_social.widgets import NombreInput


def champ_date() -> forms.DateInput:
    """A native date picker; the ISO format is what <input type="date"> expects."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def zone_de_texte(lignes: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": lignes})


class ChoixUtilisateur(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return nom_affiche(obj)


class ChoixObjectif(forms.ModelChoiceField):
    """Objectives labelled "2.3 Intitulé"; the queryset must select the axe."""

    def label_from_instance(self, obj: Objectif) -> str:
        libelle = f"{obj.code} {obj.intitule}"
        dernier = getattr(obj, "dernier_numero", False)
        if dernier is not False:
            libelle += f" (prochain numéro libre : {(dernier or 0) + 1})"
        return libelle


def objectifs_du_projet(projet: ProjetSocial):
    return (
        Objectif.objects.du_projet(projet)
        .select_related("axe")
        .order_by("axe__numero", "numero", "pk")
    )


class ActionForm(VersionedForm):
    """The fiche itself, as an agent or its pilote edits it; ``version`` is the one opened."""

    class Meta:
        model = Action
        fields = [
            "intitule",
            "statut",
            "priorite",
            "recurrente",
            "pilote",
            "service_pilote",
            "elu_referent_compte",
            "elu_referent",
            "constat",
            "objectifs_action",
            "description",
            "besoins",
            "publics",
            "moyens_humains",
            "moyens_materiels",
            "date_debut",
            "echeance",
            "communication_supports",
            "communication_messages",
            "partenariat_reseau",
            "motif_abandon",
        ]
        field_classes = {"pilote": ChoixUtilisateur, "elu_referent_compte": ChoixUtilisateur}
        widgets = {
            "constat": zone_de_texte(4),
            "objectifs_action": zone_de_texte(4),
            "description": zone_de_texte(4),
            "moyens_humains": zone_de_texte(),
            "moyens_materiels": zone_de_texte(),
            "communication_supports": zone_de_texte(),
            "communication_messages": zone_de_texte(),
            "partenariat_reseau": zone_de_texte(),
            "motif_abandon": zone_de_texte(2),
            "date_debut": champ_date(),
            "echeance": champ_date(),
            "publics": forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            "besoins": forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        }
        labels = {
            "elu_referent_compte": "Élu référent : compte",
            "elu_referent": "ou nom de l'élu référent",
        }
        help_texts = {
            "motif_abandon": "Obligatoire quand le statut est « Abandonnée ».",
            "pilote": "Le pilote peut modifier cette fiche.",
            "elu_referent_compte": (
                "Si l'élu a un compte, choisissez-le : la fiche apparaîtra dans ses « Mes "
                "actions »."
            ),
            "elu_referent": (
                "Sinon, saisissez son nom ou sa fonction. Laissé vide, la fiche affiche le nom "
                "du compte choisi."
            ),
        }

    def __init__(self, *args, projet: ProjetSocial, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        User = get_user_model()
        pilotes = Q(is_active=True)
        if self.instance.pilote_id:
            pilotes |= Q(pk=self.instance.pilote_id)  # keep an inactive pilote selectable
        self.fields["pilote"].queryset = User.objects.filter(pilotes).order_by(
            "last_name", "first_name", "username"
        )
        self.fields["pilote"].empty_label = "Sans pilote"
        self.fields["elu_referent_compte"].queryset = comptes_elus(
            garder=self.instance.elu_referent_compte_id
        )
        self.fields["elu_referent_compte"].empty_label = "Aucun compte"
        self.fields["publics"].queryset = PublicCible.objects.all()
        self.fields["besoins"].queryset = BesoinSocial.objects.filter(projet=projet)
        self.fields["besoins"].label = "Besoins sociaux (ABS) auxquels l'action répond"
        for nom in ("publics", "besoins"):
            # Read the choices once; a list with no choice is left out of the form.
            # (iter() first: list() would ask the iterator its length, a COUNT query.)
            self.fields[nom].choices = list(iter(self.fields[nom].choices))
            if not self.fields[nom].choices:
                del self.fields[nom]

    def clean(self) -> dict:
        cleaned_data = super().clean()
        if (
            cleaned_data.get("statut") == StatutAction.ABANDONNEE
            and not cleaned_data.get("motif_abandon", "").strip()
        ):
            self.add_error("motif_abandon", "Indiquez le motif de l'abandon.")
        debut, echeance = cleaned_data.get("date_debut"), cleaned_data.get("echeance")
        if debut is not None and echeance is not None and debut > echeance:
            # The model's constraint says it too, but on no field: here the error summary
            # links to the échéance (and the constraint, on an excluded field, is not checked
            # twice).
            self.add_error("echeance", _contrainte("actions_action_debut_avant_echeance"))
        return cleaned_data


class ActionCreationForm(ActionForm):
    """A new fiche also chooses its objective and number (later changed by "Déplacer")."""

    objectif = ChoixObjectif(queryset=Objectif.objects.none(), label="Objectif opérationnel")

    class Meta(ActionForm.Meta):
        fields = ["objectif", "numero", *ActionForm.Meta.fields]

    def __init__(self, *args, projet: ProjetSocial, aide_objectif: str = "", **kwargs) -> None:
        super().__init__(*args, projet=projet, **kwargs)
        self.fields["objectif"].queryset = objectifs_du_projet(projet)
        if aide_objectif:
            self.fields["objectif"].help_text = aide_objectif
        self.fields["numero"].required = False
        self.fields["numero"].validators.append(
            _entre(1, 32767, "Le numéro de l'action doit être supérieur ou égal à 1.")
        )
        self.fields["numero"].widget.attrs["min"] = "1"
        self.fields["numero"].help_text = (
            "Numéro de l'action dans l'objectif ; laissez vide pour prendre le prochain "
            "numéro libre."
        )
        self.order_fields(["objectif", "numero"])

    def clean(self) -> dict:
        cleaned_data = super().clean()
        objectif = cleaned_data.get("objectif")
        if objectif is not None and cleaned_data.get("numero") is None:
            if "numero" not in self.errors:
                cleaned_data["numero"] = objectif.prochain_numero_action()
        return cleaned_data


class ParticipationForm(forms.ModelForm):
    """A partner of the action: chosen from the directory, or typed to be created on the spot."""

    nouveau_partenaire = forms.CharField(
        label="ou nouveau partenaire",
        max_length=Partenaire._meta.get_field("nom").max_length,
        required=False,
        help_text="Nom d'un partenaire absent de l'annuaire : il y sera ajouté.",
    )

    class Meta:
        model = ActionPartenaire
        fields = ["partenaire", "role"]

    def __init__(self, *args, peut_creer_partenaire: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.nouveau_nom = ""
        self.fields["partenaire"].required = False
        self.fields["partenaire"].label = "Partenaire de l'annuaire"
        self.fields["partenaire"].empty_label = "Choisir…"
        if not peut_creer_partenaire:
            del self.fields["nouveau_partenaire"]

    def clean(self) -> dict:
        cleaned_data = super().clean()
        partenaire = cleaned_data.get("partenaire")
        nom = cleaned_data.get("nouveau_partenaire", "").strip()
        if "partenaire" in self.errors or "nouveau_partenaire" in self.errors:
            return cleaned_data
        if partenaire and nom:
            self.add_error(
                "nouveau_partenaire",
                "Choisissez un partenaire de l'annuaire ou saisissez un nouveau nom, pas les deux.",
            )
        elif not partenaire and not nom:
            self.add_error(
                "partenaire",
                "Choisissez un partenaire dans l'annuaire ou saisissez le nom d'un nouveau "
                "partenaire.",
            )
        elif nom:
            existant = Partenaire.objects.filter(nom_normalise=cle_de_nom(nom)).first()
            if existant is not None:
                cleaned_data["partenaire"] = existant  # already in the directory: reuse it
            else:
                self.nouveau_nom = nom
        return cleaned_data

    def cle_partenaire(self) -> tuple | None:
        """What identifies the partner of this row, to find one chosen twice."""
        partenaire = self.cleaned_data.get("partenaire")
        if partenaire is not None:
            return ("annuaire", partenaire.pk)
        if self.nouveau_nom:
            return ("nouveau", self.nouveau_nom.casefold())
        return None

    def save(self, commit: bool = True) -> ActionPartenaire:
        if self.nouveau_nom:
            self.instance.partenaire = Partenaire.objects.create(nom=self.nouveau_nom)
        return super().save(commit=commit)


class IndicateurForm(forms.ModelForm):
    class Meta:
        model = Indicateur
        fields = ["libelle", "type", "unite", "valeur_cible", "sens", "mode_calcul"]
        widgets = {"mode_calcul": zone_de_texte(1), "valeur_cible": NombreInput}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        champ = self.fields["valeur_cible"]
        champ.validators.append(_positif("La valeur cible ne peut pas être négative."))
        champ.widget.attrs["min"] = "0"


class EtapeForm(forms.ModelForm):
    class Meta:
        model = Etape
        fields = ["libelle", "echeance", "faite"]
        widgets = {"echeance": champ_date()}


class LigneBudgetForm(forms.ModelForm):
    class Meta:
        model = LigneBudget
        fields = ["annee", "nature", "libelle", "montant_prevu", "montant_realise", "financeur"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        annee = self.fields["annee"]
        annee.widget.attrs.update(min="2000", max="2100")
        annee.validators.append(
            _entre(2000, 2100, "L'année doit être comprise entre 2000 et 2100.")
        )
        if self.instance._state.adding:
            self.initial.setdefault("annee", timezone.localdate().year)
        self.fields["financeur"].empty_label = "CCAS seul"
        for nom, message in (
            ("montant_prevu", "Le montant prévu ne peut pas être négatif."),
            ("montant_realise", "Le montant réalisé ne peut pas être négatif."),
        ):
            self.fields[nom].validators.append(_positif(message))
            self.fields[nom].widget.attrs["min"] = "0"


def _contrainte(nom: str) -> str:
    """The message of the Action's constraint ``nom``: one wording for both checks."""
    contrainte = next(c for c in Action._meta.constraints if c.name == nom)
    return str(contrainte.violation_error_message)


def _positif(message: str):
    def valider(valeur) -> None:
        if valeur is not None and valeur < 0:
            raise ValidationError(message, code="min_value")

    return valider


def _entre(minimum: int, maximum: int, message: str):
    def valider(valeur) -> None:
        if valeur is not None and not minimum <= valeur <= maximum:
            raise ValidationError(message, code="hors_limites")

    return valider


class LignesDeFicheFormSet(BaseInlineFormSet):
    """Rows of a fiche. The selects of every row share one list of choices, so rendering
    N rows runs one query per select, not N."""

    champs_partages: tuple[str, ...] = ()
    titre = ""
    libelle_ligne = ""
    libelle_ajout = ""  # the « Ajouter » button
    libelle_vide = ""  # said in place of the table when there is no row

    def __init__(self, *args, queryset=None, **kwargs) -> None:
        self._choix_partages: dict[str, list] = {}
        super().__init__(*args, queryset=self.lignes() if queryset is None else queryset, **kwargs)

    def lignes(self):
        """The rows to edit (the formset keeps those of its action), ordered as on the fiche."""
        return self.model._default_manager.order_by("pk")

    def _construct_form(self, i, **kwargs):
        return self._partager_choix(super()._construct_form(i, **kwargs))

    @property
    def empty_form(self):
        return self._partager_choix(super().empty_form)

    def _partager_choix(self, form):
        for nom in self.champs_partages:
            if nom not in form.fields:
                continue
            if nom not in self._choix_partages:
                self._choix_partages[nom] = list(iter(form.fields[nom].choices))
            form.fields[nom].choices = self._choix_partages[nom]
        return form


class BaseParticipationFormSet(LignesDeFicheFormSet):
    champs_partages = ("partenaire",)
    titre = "Partenaires"
    libelle_ligne = "Partenaire"
    libelle_ajout = "Ajouter un partenaire"
    libelle_vide = "Aucun partenaire pour l'instant."

    def lignes(self):
        return ActionPartenaire.objects.select_related("partenaire").order_by(
            "partenaire__nom", "pk"
        )

    def clean(self) -> None:
        """A partner may appear once per fiche (our message replaces Django's generic one)."""
        if any(self.errors):
            return
        vus = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or self._should_delete_form(form):
                continue  # an empty extra row, or a row being removed
            cle = form.cle_partenaire()
            if cle is None:
                continue
            if cle in vus:
                champ = "partenaire" if cle[0] == "annuaire" else "nouveau_partenaire"
                form.add_error(
                    champ, "Ce partenaire est déjà choisi plus haut : indiquez-le une seule fois."
                )
            vus.add(cle)
        if any(self.errors):
            raise ValidationError("Un partenaire est choisi deux fois.", code="doublon")


class BaseIndicateurFormSet(LignesDeFicheFormSet):
    titre = "Indicateurs"
    libelle_ligne = "Indicateur"
    libelle_ajout = "Ajouter un indicateur"
    libelle_vide = "Aucun indicateur pour l'instant."


class BaseEtapeFormSet(LignesDeFicheFormSet):
    titre = "Étapes"
    libelle_ligne = "Étape"
    libelle_ajout = "Ajouter une étape"
    libelle_vide = "Aucune étape pour l'instant."

    def lignes(self):
        return Etape.objects.order_by("ordre", "echeance", "pk")


class BaseLigneBudgetFormSet(LignesDeFicheFormSet):
    champs_partages = ("financeur",)
    titre = "Budget"
    libelle_ligne = "Ligne de budget"
    libelle_ajout = "Ajouter une ligne de budget"
    libelle_vide = "Aucune ligne de budget pour l'instant."

    def lignes(self):
        return LigneBudget.objects.order_by("annee", "nature", "pk")


def _formset(model, form, base):
    """No empty row: the « Ajouter » button of each table adds one (see _fiche_formset.html)."""
    return inlineformset_factory(Action, model, form=form, formset=base, extra=0, can_delete=True)


ParticipationFormSet = _formset(ActionPartenaire, ParticipationForm, BaseParticipationFormSet)
IndicateurFormSet = _formset(Indicateur, IndicateurForm, BaseIndicateurFormSet)
EtapeFormSet = _formset(Etape, EtapeForm, BaseEtapeFormSet)
LigneBudgetFormSet = _formset(LigneBudget, LigneBudgetForm, BaseLigneBudgetFormSet)

# (prefix, formset class) in the order of the fiche.
FORMSETS = (
    ("partenaires", ParticipationFormSet),
    ("budget", LigneBudgetFormSet),
    ("etapes", EtapeFormSet),
    ("indicateurs", IndicateurFormSet),
)


class DeplacerForm(forms.Form):
    objectif = ChoixObjectif(queryset=Objectif.objects.none(), label="Objectif opérationnel")
    numero = forms.IntegerField(
        label="Numéro dans l'objectif",
        min_value=1,
        max_value=32767,
        required=False,
        help_text="Laissez vide pour prendre le prochain numéro libre de l'objectif choisi.",
    )

    def __init__(self, *args, action: Action, projet: ProjetSocial, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["objectif"].queryset = objectifs_du_projet(projet).annotate(
            dernier_numero=Max("actions__numero", filter=~Q(actions__pk=action.pk))
        )
        self.fields["objectif"].initial = action.objectif_id

    def clean(self) -> dict:
        cleaned_data = super().clean()
        objectif = cleaned_data.get("objectif")
        if objectif is None or "numero" in self.errors:
            return cleaned_data
        numero = cleaned_data.get("numero")
        if numero is None:
            cleaned_data["numero"] = objectif.prochain_numero_action(sauf=self.action)
            return cleaned_data
        occupant = (
            Action.objects.filter(objectif=objectif, numero=numero)
            .exclude(pk=self.action.pk)
            .first()
        )
        if occupant is not None:
            self.add_error(
                "numero",
                f"Le numéro {objectif.code}.{numero} est déjà pris par l'action "
                f"« {occupant.intitule} ». Choisissez un autre numéro ou laissez le champ vide.",
            )
        return cleaned_data


class AbandonForm(forms.Form):
    motif_abandon = forms.CharField(
        label="Motif de l'abandon",
        widget=zone_de_texte(4),
        error_messages={"required": "Indiquez le motif de l'abandon."},
        help_text="Il reste visible sur la fiche et dans les bilans.",
    )
