"""Admin of the plan's structure: projets, axes, objectives, ABS needs."""

import re

from django.contrib import admin
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from axes.models import Axe, BesoinSocial, Objectif, ProjetSocial
from axes.resources import AxeResource, ObjectifResource
from projet_social.admin import ExportAdmin, VersionedAdminMixin

CODE_OBJECTIF = re.compile(r"^\s*(\d+)\.(\d+)\s*$")


class AxeInline(VersionedAdminMixin, admin.TabularInline):
    model = Axe
    fields = ("numero", "intitule", "couleur")
    extra = 0
    show_change_link = True


class ObjectifInline(VersionedAdminMixin, admin.TabularInline):
    model = Objectif
    fields = ("numero", "intitule")
    extra = 0
    show_change_link = True


@admin.register(ProjetSocial)
class ProjetSocialAdmin(admin.ModelAdmin):
    list_display = ("intitule", "structure", "periode", "statut", "date_adoption", "est_demo")
    list_filter = ("statut", "est_demo")
    search_fields = ("intitule", "structure", "synthese_abs")
    inlines = (AxeInline,)
    fieldsets = (
        (None, {"fields": ("intitule", "structure", "statut", "est_demo")}),
        ("Période", {"fields": (("annee_debut", "annee_fin"), "date_adoption")}),
        ("Analyse des besoins sociaux", {"fields": ("synthese_abs",)}),
    )

    @admin.display(description="période", ordering="annee_debut")
    def periode(self, obj: ProjetSocial) -> str:
        return obj.periode


@admin.register(Axe)
class AxeAdmin(VersionedAdminMixin, ExportAdmin):
    resource_classes = (AxeResource,)
    list_display = ("numero", "intitule", "projet", "pastille", "nb_objectifs")
    list_display_links = ("numero", "intitule")
    list_filter = ("projet",)
    list_select_related = ("projet",)
    search_fields = ("intitule", "description")
    inlines = (ObjectifInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(nb_objectifs=Count("objectifs"))

    @admin.display(description="couleur")
    def pastille(self, obj: Axe):
        return format_html(
            '<span style="display:inline-block;width:1.5em;height:1em;background:{};'
            'border:1px solid #999" title="{}"></span> {}',
            obj.couleur,
            obj.couleur,
            obj.couleur,
        )

    @admin.display(description="objectifs", ordering="nb_objectifs")
    def nb_objectifs(self, obj: Axe) -> int:
        return obj.nb_objectifs


@admin.register(Objectif)
class ObjectifAdmin(VersionedAdminMixin, ExportAdmin):
    resource_classes = (ObjectifResource,)
    list_display = ("code", "intitule", "axe", "nb_actions")
    list_display_links = ("code", "intitule")
    list_filter = ("axe__projet", "axe")
    list_select_related = ("axe__projet",)
    search_fields = ("intitule", "description")
    search_help_text = "Intitulé, description ou code (« 2.3 »)."

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("axe")
            .annotate(nb_actions=Count("actions"), code_tri=F("axe__numero") * 1_000 + F("numero"))
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Also find an objective by its code "2.3", as agents name them."""
        code = CODE_OBJECTIF.match(search_term)
        if code:
            return queryset.filter(axe__numero=code[1], numero=code[2]), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="code", ordering="code_tri")
    def code(self, obj: Objectif) -> str:
        return obj.code

    @admin.display(description="actions", ordering="nb_actions")
    def nb_actions(self, obj: Objectif) -> int:
        return obj.nb_actions


@admin.register(BesoinSocial)
class BesoinSocialAdmin(admin.ModelAdmin):
    list_display = ("thematique", "constat_court", "chiffre_cle", "source", "projet")
    list_filter = ("projet", "thematique")
    list_select_related = ("projet",)
    search_fields = ("thematique", "constat", "chiffre_cle", "source")

    @admin.display(description="constat")
    def constat_court(self, obj: BesoinSocial) -> str:
        return obj.constat if len(obj.constat) <= 90 else f"{obj.constat[:88]}…"
