"""The list of actions' filters that read the reviews."""

from django.db.models import Exists, OuterRef

from actions.filters import ActionFilter, CaseACocher
from evaluations.models import Campagne, Evaluation


class SuiviActionFilter(ActionFilter):
    """The filters of the list of actions, with "non évaluée au Bilan 2025" (the latest
    review: an appréciation not chosen there)."""

    non_evaluee = CaseACocher(label="Non évaluée", method="filtrer_non_evaluee")

    CASES = (*ActionFilter.CASES, "non_evaluee")

    def __init__(self, data=None, queryset=None, *, projet, campagne: Campagne | None, **kwargs):
        super().__init__(data, queryset, projet=projet, **kwargs)
        self.campagne = campagne
        if campagne is not None:
            self.filters["non_evaluee"].label = f"Non évaluée au {campagne}"
        else:
            self.filters["non_evaluee"].label = "Non évaluée (aucune campagne)"

    def filtrer_non_evaluee(self, queryset, name, value):
        if self.campagne is None:
            return queryset
        evaluees = Evaluation.objects.saisies().filter(
            action=OuterRef("pk"), campagne=self.campagne
        )
        return queryset.filter(~Exists(evaluees))
