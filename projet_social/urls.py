from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from actions import urls as actions_urls
from axes import urls as axes_urls
from projet_social import admin_toit  # noqa: F401 (registers its admin, guards the admin)
from projet_social.connexion import ConnexionView
from projet_social.tableur import FormatTableur
from projet_social.views import accueil, documents, dossier, exports, imports, suivi

register_converter(FormatTableur, "tableur")

admin.site.site_header = "Projet social – administration"
admin.site.site_title = "Projet social"
admin.site.index_title = "Administration du projet social"

urlpatterns = [
    path("", accueil.tableau_de_bord, name="home"),
    path("healthz", accueil.healthz, name="healthz"),
    path("accessibilite/", accueil.accessibilite, name="accessibilite"),
    path("connexion/", ConnexionView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # The screens that gather the apps (see projet_social/views/suivi.py) keep the names of
    # the apps they show: axes:plan, actions:liste, actions:detail.
    path(
        "",
        include(
            ([path("plan/", suivi.plan, name="plan"), *axes_urls.urlpatterns], "axes"),
        ),
    ),
    path(
        "actions/",
        include(
            (
                [
                    path("", suivi.liste, name="liste"),
                    path("mes-actions/", suivi.mes_actions, name="mes_actions"),
                    path("<int:pk>/", suivi.fiche, name="detail"),
                    path("<int:pk>/fiche.pdf", documents.fiche_pdf, name="fiche_pdf"),
                    path("catalogue.pdf", documents.catalogue_pdf, name="catalogue_pdf"),
                    path("export.<tableur:format>", exports.liste, name="export_liste"),
                    path(
                        "mes-actions/export.<tableur:format>",
                        exports.mes_actions,
                        name="export_mes_actions",
                    ),
                    path(
                        "partenaires/export.<tableur:format>",
                        exports.partenaires,
                        name="export_partenaires",
                    ),
                    *actions_urls.urlpatterns,
                ],
                "actions",
            )
        ),
    ),
    path("plan/classeur.xlsx", exports.classeur, name="export_classeur"),
    path("plan/modele.xlsx", exports.modele, name="modele_classeur"),
    path("plan/feuilles/<slug:feuille>.csv", exports.feuille_csv, name="export_feuille"),
    path("plan/import/", imports.importer, name="import_classeur"),
    path("plan/imports/", imports.liste, name="imports"),
    path("plan/imports/<int:pk>/", imports.detail, name="import"),
    path("bilans/<int:pk>/dossier.pdf", dossier.dossier_pdf, name="dossier_bilan"),
    path(
        "documents/<slug:cle>/",
        documents.document_en_preparation,
        name="document_en_preparation",
    ),
    path("bilans/<int:pk>/evaluations.<tableur:format>", exports.bilan, name="export_bilan"),
    path(
        "bilans/<int:pk>/indicateurs.csv",
        exports.bilan_indicateurs,
        name="export_bilan_indicateurs",
    ),
    path("", include("evaluations.urls")),
    # One login page, one guard: the admin's login sends to the product's.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
        name="admin_connexion",
    ),
    path("admin/", admin.site.urls),
]
