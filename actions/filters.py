"""The filters of the list of actions. Every filter lives in the URL, so a filtered list is
a link an agent can send to a colleague."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from actions.enums import Priorite, StatutAction
from actions.models import ActionPartenaire, Indicateur, Partenaire, PublicCible
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

    def filtrer_sans_indicateur(self, queryset, name, value):
        return queryset.filter(~Exists(Indicateur.objects.filter(action=OuterRef("pk"))))

    LISTES = ("axe", "objectif", "priorite", "pilote", "service", "partenaire", "public", "besoin")
    CASES = ("en_retard", "sans_pilote", "sans_indicateur")

    @property
    def champs_listes(self) -> list:
        return [self.form[nom] for nom in self.LISTES]

    @property
    def champs_cases(self) -> list:
        return [self.form[nom] for nom in self.CASES]

    def get_form_class(self):
        form_class = super().get_form_class()
        for nom, champ in form_class.base_fields.items():
            widget = champ.widget
            if nom in self.LISTES:
                widget.attrs["class"] = "form-select"
            elif nom in self.CASES or nom == "statut":
                widget.attrs["class"] = "form-check-input"
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
