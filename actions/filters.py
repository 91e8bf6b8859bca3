"""The filters of the list of actions. Every filter lives in the URL, so a filtered list is
a link an agent can send to a colleague."""

import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from actions.enums import STATUTS_TERMINES, Priorite, StatutAction
from actions.models import (
    ActionPartenaire,
    Etape,
    Indicateur,
    LigneBudget,
    Partenaire,
    PublicCible,
    q_en_retard,
)
from axes.models import Axe, BesoinSocial, Objectif
from projet_social.search import filtrer_texte

CHAMPS_RECHERCHE = [
    "intitule",
    "constat",
    "objectifs_action",
    "description",
    "objectif__intitule",
]


class _CaseField(forms.BooleanField):
    def to_python(self, value):
        # Unchecked is None, which django-filter skips: "no filter", not "only the others".
        return True if super().to_python(value) else None


class CaseACocher(django_filters.BooleanFilter):
    """A checkbox: checked filters, unchecked does not filter."""

    field_class = _CaseField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(*args, **kwargs)


def code_trimestre(annee: int, trimestre: int) -> str:
    """The URL value of a quarter: "2026-T3"."""
    return f"{annee}-T{trimestre}"


def libelle_trimestre(annee: int, trimestre: int) -> str:
    return f"{'1er' if trimestre == 1 else f'{trimestre}e'} trimestre {annee}"


def bornes_trimestre(code: str) -> tuple[datetime.date, datetime.date]:
    """ "2026-T3" -> (1 July 2026, 30 September 2026)."""
    annee, trimestre = code.split("-T")
    annee, trimestre = int(annee), int(trimestre)
    debut = datetime.date(annee, 3 * trimestre - 2, 1)
    suivant = datetime.date(annee + (trimestre == 4), 1 if trimestre == 4 else 3 * trimestre + 1, 1)
    return debut, suivant - datetime.timedelta(days=1)


def choix_trimestres(projet) -> list[tuple[str, str]]:
    """The quarters of the plan's years, and of this year and the next."""
    annee = timezone.localdate().year
    annees = range(min(projet.annee_debut, annee), max(projet.annee_fin, annee + 1) + 1)
    return [(code_trimestre(a, t), libelle_trimestre(a, t)) for a in annees for t in (1, 2, 3, 4)]


AVEC_SANS = [("avec", "Avec"), ("sans", "Sans")]
ETATS_ETAPE = [("a_venir", "À venir"), ("en_retard", "En retard"), ("faite", "Faites")]


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="filtrer_recherche")
    axe = django_filters.ModelChoiceFilter(
        label="Axe", field_name="objectif__axe", queryset=Axe.objects.none(), empty_label="Tous"
    )
    objectif = django_filters.ModelChoiceFilter(
        label="Objectif", queryset=Objectif.objects.none(), empty_label="Tous"
    )
    statut = django_filters.MultipleChoiceFilter(
        label="Statut", choices=StatutAction.choices, widget=forms.CheckboxSelectMultiple
    )
    priorite = django_filters.ChoiceFilter(
        label="Priorité", choices=Priorite.choices, empty_label="Toutes"
    )
    pilote = django_filters.ModelChoiceFilter(
        label="Pilote", queryset=get_user_model().objects.none(), empty_label="Tous"
    )
    service = django_filters.ChoiceFilter(
        label="Service pilote", field_name="service_pilote", choices=[], empty_label="Tous"
    )
    partenaire = django_filters.ModelChoiceFilter(
        label="Partenaire",
        queryset=Partenaire.objects.none(),
        method="filtrer_partenaire",
        empty_label="Tous",
    )
    public = django_filters.ModelChoiceFilter(
        label="Public cible",
        queryset=PublicCible.objects.none(),
        method="filtrer_public",
        empty_label="Tous",
    )
    besoin = django_filters.ModelChoiceFilter(
        label="Besoin (ABS)",
        field_name="besoins",
        queryset=BesoinSocial.objects.none(),
        empty_label="Tous",
    )
    en_retard = CaseACocher(label="En retard", method="filtrer_en_retard")
    a_venir = CaseACocher(label="À venir (ni terminée ni en retard)", method="filtrer_a_venir")
    # The dashboard's drill-down: shown on the list only when a link sets them.
    echeance_trimestre = django_filters.ChoiceFilter(
        label="Échéance au", choices=[], method="filtrer_echeance_trimestre"
    )
    etape_trimestre = django_filters.ChoiceFilter(
        label="Étape à échéance au", choices=[], method="filtrer_etape_trimestre"
    )
    etape_etat = django_filters.ChoiceFilter(
        label="État de l'étape", choices=ETATS_ETAPE, method="filtrer_sans_effet"
    )
    partenaires = django_filters.ChoiceFilter(
        label="Partenaires", choices=AVEC_SANS, method="filtrer_partenaires"
    )
    communication = django_filters.ChoiceFilter(
        label="Plan de communication", choices=AVEC_SANS, method="filtrer_communication"
    )
    budget_annee = django_filters.NumberFilter(
        label="Budget de l'année", method="filtrer_budget_annee", min_value=1900, max_value=2200
    )
    sans_pilote = CaseACocher(label="Sans pilote", field_name="pilote", lookup_expr="isnull")
    sans_indicateur = CaseACocher(label="Sans indicateur", method="filtrer_sans_indicateur")

    def __init__(self, data=None, queryset=None, *, projet, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.projet = projet
        actions = queryset
        filters = self.filters
        filters["axe"].queryset = Axe.objects.du_projet(projet)
        filters["objectif"].queryset = Objectif.objects.du_projet(projet).select_related("axe")
        filters["pilote"].queryset = (
            get_user_model()
            .objects.filter(actions_pilotees__in=actions)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        filters["service"].extra["choices"] = [
            (service, service)
            for service in actions.exclude(service_pilote="")
            .order_by("service_pilote")
            .values_list("service_pilote", flat=True)
            .distinct()
        ]
        filters["partenaire"].queryset = Partenaire.objects.filter(
            Exists(ActionPartenaire.objects.filter(partenaire=OuterRef("pk"), action__in=actions))
        )
        filters["public"].queryset = PublicCible.objects.all()
        filters["besoin"].queryset = BesoinSocial.objects.du_projet(projet).order_by(
            "thematique", "pk"
        )
        filters["besoin"].field.label_from_instance = lambda besoin: besoin.thematique
        trimestres = choix_trimestres(projet)
        filters["echeance_trimestre"].extra["choices"] = trimestres
        filters["etape_trimestre"].extra["choices"] = trimestres

    def filtrer_recherche(self, queryset, name, value):
        return filtrer_texte(queryset, value, CHAMPS_RECHERCHE)

    def filtrer_partenaire(self, queryset, name, value):
        return queryset.filter(
            Exists(ActionPartenaire.objects.filter(action=OuterRef("pk"), partenaire=value))
        )

    def filtrer_public(self, queryset, name, value):
        through = queryset.model.publics.through
        return queryset.filter(
            Exists(through.objects.filter(action=OuterRef("pk"), publiccible=value))
        )

    def filtrer_en_retard(self, queryset, name, value):
        return queryset.en_retard()

    def filtrer_a_venir(self, queryset, name, value):
        return queryset.exclude(statut__in=STATUTS_TERMINES).exclude(q_en_retard())

    def filtrer_echeance_trimestre(self, queryset, name, value):
        return queryset.filter(echeance__range=bornes_trimestre(value))

    def filtrer_etape_trimestre(self, queryset, name, value):
        """Actions with a step due in the quarter (in the state ``etape_etat`` if given)."""
        etapes = Etape.objects.filter(
            action=OuterRef("pk"), echeance__range=bornes_trimestre(value)
        )
        etat = self.form.cleaned_data.get("etape_etat")
        aujourdhui = timezone.localdate()
        if etat == "faite":
            etapes = etapes.filter(faite=True)
        elif etat == "en_retard":
            etapes = etapes.filter(faite=False, echeance__lt=aujourdhui)
        elif etat == "a_venir":
            etapes = etapes.filter(faite=False, echeance__gte=aujourdhui)
        return queryset.filter(Exists(etapes))

    def filtrer_sans_effet(self, queryset, name, value):
        return queryset  # read by another filter

    def filtrer_partenaires(self, queryset, name, value):
        avec = Exists(ActionPartenaire.objects.filter(action=OuterRef("pk")))
        return queryset.filter(avec if value == "avec" else ~avec)

    def filtrer_communication(self, queryset, name, value):
        avec = ~Q(communication_supports="") | ~Q(communication_messages="")
        return queryset.filter(avec if value == "avec" else ~avec)

    def filtrer_budget_annee(self, queryset, name, value):
        return queryset.filter(
            Exists(LigneBudget.objects.filter(action=OuterRef("pk"), annee=value))
        )

    def filtrer_sans_indicateur(self, queryset, name, value):
        return queryset.filter(~Exists(Indicateur.objects.filter(action=OuterRef("pk"))))

    LISTES = ("axe", "objectif", "priorite", "pilote", "service", "partenaire", "public", "besoin")
    CASES = ("en_retard", "sans_pilote", "sans_indicateur")
    # Set by the dashboard's links; the list shows them only when they are in use.
    DETAIL = (
        "a_venir",
        "echeance_trimestre",
        "etape_trimestre",
        "etape_etat",
        "partenaires",
        "communication",
        "budget_annee",
    )

    @property
    def champs_listes(self) -> list:
        return [self.form[nom] for nom in self.LISTES]

    @property
    def champs_cases(self) -> list:
        return [self.form[nom] for nom in self.CASES]

    @property
    def champs_detail(self) -> list:
        """The drill-down filters in use, shown so that the user sees and can lift them."""
        if not self.is_bound:
            return []
        return [self.form[nom] for nom in self.DETAIL if self.data.get(nom) not in (None, "")]

    def get_form_class(self):
        form_class = super().get_form_class()
        for nom, champ in form_class.base_fields.items():
            widget = champ.widget
            if nom in self.LISTES or isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            elif nom in self.CASES or nom == "statut" or isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.NumberInput):
                widget.attrs["class"] = "form-control"
        return form_class

    @property
    def actifs(self) -> list[str]:
        """Labels of the filters in use, for the "N actions, filtrées par …" sentence."""
        if not self.is_bound or not self.form.is_valid():
            return []
        return [
            str(self.filters[nom].label)
            for nom, valeur in self.form.cleaned_data.items()
            if valeur not in (None, "", [], False) and nom in self.filters
        ]
