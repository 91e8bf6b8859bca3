from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from actions.admin import LigneDActionAdminMixin
from actions.models import Indicateur
from evaluations.enums import StatutCampagne
from evaluations.models import Campagne, CampagneDejaClose, Evaluation, Mesure, Reunion
from evaluations.resources import EvaluationResource
from projet_social.admin import (
    ExportAdmin,
    HistoriqueAdmin,
    VersionedAdminMixin,
    choix_utilisateurs,
)
from projet_social.utilisateurs import nom_affiche


def evaluation_figee(evaluation: Evaluation | None) -> bool:
    """An evaluation of a closed campaign is frozen, for everyone (superusers too)."""
    return evaluation is not None and evaluation.campagne.est_close


class MesureFormSet(BaseInlineFormSet):
    """Offers only the indicators of the evaluated action."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "indicateur" in form.fields and self.instance.action_id is not None:
            form.fields["indicateur"].queryset = Indicateur.objects.filter(
                action_id=self.instance.action_id
            )

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            indicateur = getattr(form, "cleaned_data", {}).get("indicateur")
            if indicateur is not None and indicateur.action_id != self.instance.action_id:
                raise ValidationError(
                    f"L'indicateur « {indicateur} » appartient à une autre action que celle "
                    "évaluée."
                )


class MesureInline(admin.TabularInline):
    model = Mesure
    formset = MesureFormSet
    fields = ("indicateur", "valeur_realisee", "cible", "atteinte", "commentaire")
    readonly_fields = ("cible", "atteinte")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("indicateur")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return not evaluation_figee(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return not evaluation_figee(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return not evaluation_figee(obj) and super().has_delete_permission(request, obj)

    @admin.display(description="valeur cible")
    def cible(self, obj: Mesure) -> str:
        if obj.pk is None or obj.indicateur.valeur_cible is None:
            return "—"
        unite = f" {obj.indicateur.unite}" if obj.indicateur.unite else ""
        return f"{obj.indicateur.valeur_cible}{unite}"

    @admin.display(description="atteinte")
    def atteinte(self, obj: Mesure) -> str:
        atteinte = obj.atteinte if obj.pk is not None else None
        return "—" if atteinte is None else f"{atteinte} %"


@admin.register(Campagne)
class CampagneAdmin(VersionedAdminMixin, HistoriqueAdmin):
    list_display = ("__str__", "projet", "date_reunion", "statut", "closed_at", "nb_evaluations")
    list_filter = ("statut", "projet")
    list_select_related = ("projet",)
    search_fields = ("synthese", "decisions")
    # Closing writes the review's snapshot and reopening clears it: both go through
    # Campagne.clore / rouvrir (the action below, the review page), never a typed statut.
    readonly_fields = ("statut", "closed_at")
    fieldsets = (
        (None, {"fields": ("projet", "annee", "date_reunion", ("statut", "closed_at"))}),
        ("Bilan", {"fields": ("synthese", "decisions")}),
    )
    actions = ("clore",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(nb_evaluations=Count("evaluations"))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        """A closed review is frozen for everyone, superusers included: reopen it first
        (from its page, administrators), which is recorded."""
        if obj is not None and obj.est_close:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.est_close:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="évaluations", ordering="nb_evaluations")
    def nb_evaluations(self, obj: Campagne) -> int:
        return obj.nb_evaluations

    @admin.action(description="Clore les campagnes sélectionnées", permissions=("change",))
    def clore(self, request: HttpRequest, queryset: QuerySet) -> None:
        closes = 0
        for campagne in queryset.filter(statut=StatutCampagne.OUVERTE):
            try:
                campagne.clore(request.user)  # writes its snapshot, under a lock
            except CampagneDejaClose:
                continue
            closes += 1
        self.message_user(
            request,
            f"{closes} campagne(s) close(s) : leurs évaluations ne sont plus modifiables.",
            messages.SUCCESS,
        )


@admin.register(Evaluation)
class EvaluationAdmin(LigneDActionAdminMixin, VersionedAdminMixin, ExportAdmin, HistoriqueAdmin):
    resource_classes = (EvaluationResource,)
    list_display = (
        "campagne",
        "action_code",
        "action_intitule",
        "statut",
        "taux",
        "appreciation",
        "auteur_nom",
        "updated_at",
    )
    list_display_links = ("campagne", "action_code")
    list_filter = (
        "campagne",
        "campagne__statut",
        "appreciation",
        "statut",
        ("action__objectif__axe", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("action__intitule", "realise", "points_forts", "difficultes", "reajustements")
    search_help_text = "Intitulé de l'action, textes de l'évaluation ou code (« 2.3.1 »)."
    autocomplete_fields = ("action",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (MesureInline,)
    fieldsets = (
        (None, {"fields": ("campagne", "action", "auteur")}),
        (
            "Résultat",
            {"fields": ("statut", "taux_realisation", "appreciation", "nouvelle_echeance")},
        ),
        ("Bilan", {"fields": ("realise", "points_forts", "difficultes", "reajustements")}),
        (
            "Suivi",
            {"classes": ("collapse",), "fields": ("created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("campagne", "auteur")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return not evaluation_figee(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return not evaluation_figee(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "auteur":
            return choix_utilisateurs(db_field, kwargs)
        if db_field.name == "campagne":
            # New evaluations go to open campaigns only.
            kwargs["queryset"] = Campagne.objects.ouvertes().select_related("projet")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("auteur", request.user.pk)
        return initial

    @admin.display(description="action", ordering="code_tri")
    def action_code(self, obj: Evaluation) -> str:
        # A closed review's row whose fiche was deleted since keeps the code it had.
        return obj.action.code if obj.action_id else obj.code_fige

    @admin.display(description="intitulé de l'action", ordering="action__intitule")
    def action_intitule(self, obj: Evaluation) -> str:
        return obj.action.intitule if obj.action_id else obj.intitule_action

    @admin.display(description="taux", ordering="taux_realisation")
    def taux(self, obj: Evaluation) -> str:
        return f"{obj.taux_realisation} %"

    @admin.display(description="auteur", ordering="auteur__last_name")
    def auteur_nom(self, obj: Evaluation) -> str:
        return nom_affiche(obj.auteur)


@admin.register(Reunion)
class ReunionAdmin(VersionedAdminMixin, HistoriqueAdmin):
    list_display = ("intitule", "type", "date", "lieu", "nb_participants", "projet", "campagne")
    list_filter = ("type", "projet", "campagne")
    list_select_related = ("projet", "campagne")
    date_hierarchy = "date"
    search_fields = ("intitule", "lieu", "compte_rendu")
    autocomplete_fields = ("partenaires",)
    fieldsets = (
        (None, {"fields": ("projet", "campagne", "type", "date", "intitule", "lieu")}),
        (
            "Participants",
            {
                "fields": (
                    ("nb_institutions", "nb_associations", "nb_techniciens"),
                    ("nb_benevoles", "nb_elus", "nb_usagers"),
                    "partenaires",
                )
            },
        ),
        ("Contenu", {"fields": ("axes", "compte_rendu")}),
    )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        """The réunion partenariale of a closed review is part of its record: frozen."""
        if obj is not None and obj.campagne_id is not None and obj.campagne.est_close:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.campagne_id is not None and obj.campagne.est_close:
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campagne":
            # A meeting is attached to an open review only (a closed one is frozen).
            kwargs["queryset"] = Campagne.objects.ouvertes().select_related("projet")
            kwargs["error_messages"] = {
                "invalid_choice": "Ce bilan est clos : on ne peut plus y rattacher de réunion."
            }
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "axes":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="participants")
    def nb_participants(self, obj: Reunion) -> int:
        return obj.nb_participants
