"""The list of actions' filters that read the reviews."""

import django_filters
from django.db.models import Exists, OuterRef

from actions.enums import StatutAction
from actions.filters import ActionFilter, CaseACocher
from actions.models import Action
from evaluations.models import (
    Q_A_LA_CIBLE,
    Campagne,
    Evaluation,
    Mesure,
    avancement_des_actions,
)


class SuiviActionFilter(ActionFilter):
    """The filters of the list of actions, with those that read a review: "non évaluée au
    Bilan 2025" (the latest review unless ``bilan`` names another), and the dashboard's
    drill-down into a review: its statuts, the actions evaluated in it, those with an
    indicator on target. A figure of the dashboard and the list behind it are computed by
    the same rule (``avancement_des_actions``, ``Mesure.objects.avec_atteinte``)."""

    non_evaluee = CaseACocher(label="Non évaluée", method="filtrer_non_evaluee")
    bilan = django_filters.ModelChoiceFilter(
        label="Bilan", queryset=Campagne.objects.none(), method="filtrer_sans_effet"
    )
    statut_bilan = django_filters.MultipleChoiceFilter(
        label="Statut au bilan", choices=StatutAction.choices, method="filtrer_statut_bilan"
    )
    evaluee = CaseACocher(label="Évaluée au bilan", method="filtrer_evaluee")
    indicateur_a_la_cible = CaseACocher(
        label="Un indicateur à la cible", method="filtrer_indicateur_a_la_cible"
    )

    CASES = (*ActionFilter.CASES, "non_evaluee")
    DETAIL = (*ActionFilter.DETAIL, "bilan", "statut_bilan", "evaluee", "indicateur_a_la_cible")

    def __init__(self, data=None, queryset=None, *, projet, campagne: Campagne | None, **kwargs):
        super().__init__(data, queryset, projet=projet, **kwargs)
        self.campagne = campagne
        self.filters["bilan"].queryset = Campagne.objects.du_projet(projet)
        if campagne is not None:
            self.filters["non_evaluee"].label = f"Non évaluée au {campagne}"
        else:
            self.filters["non_evaluee"].label = "Non évaluée (aucune campagne)"

    def _bilan(self) -> Campagne | None:
        """The review the review filters read: ``bilan`` when given, else the latest."""
        return self.form.cleaned_data.get("bilan") or self.campagne

    def _dans_le_bilan(self, queryset, **conditions):
        """``queryset`` restricted to the actions whose figures in the review meet
        ``conditions`` (computed in a subquery, so that the list's own annotation for the
        latest review stays apart)."""
        bilan = self._bilan()
        if bilan is None:
            return queryset.none()
        lignes = avancement_des_actions(Action.objects.du_projet(self.projet), bilan)
        return queryset.filter(pk__in=lignes.filter(dans_bilan=True, **conditions).values("pk"))

    def filtrer_statut_bilan(self, queryset, name, value):
        return self._dans_le_bilan(queryset, statut_bilan__in=value)

    def filtrer_evaluee(self, queryset, name, value):
        """Evaluated in the review and counted in its progress (as its coverage)."""
        return self._dans_le_bilan(queryset, evaluee=True, avancement__isnull=False)

    def filtrer_indicateur_a_la_cible(self, queryset, name, value):
        bilan = self._bilan()
        if bilan is None:
            return queryset.none()
        mesures = Mesure.objects.avec_atteinte().filter(Q_A_LA_CIBLE, evaluation__campagne=bilan)
        return queryset.filter(pk__in=mesures.values("evaluation__action"))

    def filtrer_non_evaluee(self, queryset, name, value):
        bilan = self._bilan()
        if bilan is None:
            return queryset
        evaluees = Evaluation.objects.saisies().filter(action=OuterRef("pk"), campagne=bilan)
        return queryset.filter(~Exists(evaluees))
