"""Import and export of the yearly evaluations.

Rows are keyed on the campaign year + the action code "2.3.1", both resolved within the
projet social (see axes/resources.py). The campaign must exist (creating the yearly review is
a decision, not a side effect of an import). A closed campaign is frozen: a row of it that
would create or change an evaluation is refused; an unchanged one (a past year left in an
exported file) is skipped.
"""

from django.core.exceptions import ValidationError
from import_export.fields import Field

from actions.enums import StatutAction
from actions.models import Action
from actions.resources import COLONNE_ACTION, trouver_action
from axes.models import ProjetSocial
from evaluations.enums import Appreciation
from evaluations.models import Campagne, Evaluation
from projet_social.resources import (
    COLONNE_PROJET,
    ChoixWidget,
    DateWidget,
    EntierWidget,
    ResourceProjet,
    TexteWidget,
    colonne,
)

COLONNE_CAMPAGNE = "Campagne"


class EvaluationResource(ResourceProjet):
    projet = Field(column_name=COLONNE_PROJET, readonly=True)
    campagne = Field(attribute="campagne__annee", column_name=COLONNE_CAMPAGNE, readonly=True)
    action = Field(attribute="action__code", column_name=COLONNE_ACTION, readonly=True)
    intitule_action = Field(
        attribute="action__intitule", column_name="Intitulé de l'action", readonly=True
    )
    statut = colonne(
        Evaluation, "statut", widget=ChoixWidget(StatutAction), saves_null_values=False
    )
    taux_realisation = colonne(
        Evaluation, "taux_realisation", widget=EntierWidget(), saves_null_values=False
    )
    appreciation = colonne(Evaluation, "appreciation", widget=ChoixWidget(Appreciation), default="")
    realise = colonne(Evaluation, "realise", widget=TexteWidget())
    points_forts = colonne(Evaluation, "points_forts", widget=TexteWidget())
    difficultes = colonne(Evaluation, "difficultes", widget=TexteWidget())
    reajustements = colonne(Evaluation, "reajustements", widget=TexteWidget())
    nouvelle_echeance = colonne(Evaluation, "nouvelle_echeance", widget=DateWidget())
    auteur = Field(attribute="auteur__username", column_name="Auteur", readonly=True)

    erreurs_vers_champ = {"campagne": "campagne", "action": "action"}

    class Meta:
        model = Evaluation
        fields = (
            "projet",
            "campagne",
            "action",
            "intitule_action",
            "statut",
            "taux_realisation",
            "appreciation",
            "realise",
            "points_forts",
            "difficultes",
            "reajustements",
            "nouvelle_echeance",
            "auteur",
        )
        export_order = fields
        import_id_fields = ("campagne", "action")
        clean_model_instances = True
        skip_unchanged = True

    def __init__(self, projet: ProjetSocial | None = None, **kwargs) -> None:
        super().__init__(projet=projet, **kwargs)
        self._campagnes: dict[tuple[int, str], Campagne] = {}

    def get_queryset(self):
        return self.filter_export(Evaluation.objects.all())

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("campagne__projet", "action__objectif__axe", "auteur")

    def projet_of_instance(self, obj) -> ProjetSocial:
        return obj.campagne.projet

    def _campagne(self, row) -> Campagne:
        projet = self.projet_of_row(row)
        try:
            annee = EntierWidget().clean(row.get(COLONNE_CAMPAGNE))
        except ValueError:
            annee = None
        if annee is None:
            raise ValidationError(
                {COLONNE_CAMPAGNE: ["Indiquez l'année de la campagne, par exemple 2025."]}
            )
        cle = (projet.pk, annee)
        if cle not in self._campagnes:
            campagne = Campagne.objects.filter(projet=projet, annee=annee).first()
            if campagne is None:
                raise ValidationError(
                    {
                        COLONNE_CAMPAGNE: [
                            f"Aucune campagne d'évaluation {annee} dans le projet social "
                            f"« {projet.intitule} » : créez-la d'abord."
                        ]
                    }
                )
            self._campagnes[cle] = campagne
        return self._campagnes[cle]

    def _action(self, row) -> Action:
        try:
            return trouver_action(self.projet_of_row(row), row.get(COLONNE_ACTION))
        except ValueError as e:
            raise ValidationError({COLONNE_ACTION: [str(e)]}) from None

    def get_instance(self, instance_loader, row):
        campagne = self._campagne(row)
        action = self._action(row)
        return Evaluation.objects.filter(campagne=campagne, action=action).first()

    def resolve_keys(self, instance, row, **kwargs) -> None:
        if instance.pk is None:
            instance.campagne = self._campagne(row)
            instance.action = self._action(row)

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        """Rows of a closed campaign are skipped when unchanged, refused otherwise.

        So a file exported with past years can be edited for the open year and imported back.
        """
        ignorer = super().skip_row(instance, original, row, import_validation_errors)
        campagne = getattr(instance, "campagne", None) if instance.campagne_id else None
        if not ignorer and campagne is not None and campagne.est_close:
            raise ValidationError(
                {
                    COLONNE_CAMPAGNE: [
                        f"La campagne {campagne.annee} est close : ses évaluations ne peuvent "
                        "plus être modifiées."
                    ]
                }
            )
        return ignorer

    def before_save_instance(self, instance, row, **kwargs) -> None:
        user = kwargs.get("user")
        if instance.pk is None and user is not None and user.is_authenticated:
            instance.auteur = user
