from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from projet_social import views
from projet_social.connexion import ConnexionView

admin.site.site_header = "Projet social – administration"
admin.site.site_title = "Projet social"
admin.site.index_title = "Administration du projet social"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("connexion/", ConnexionView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("axes.urls")),
    path("actions/", include("actions.urls")),
    path("", include("evaluations.urls")),
    path("admin/", admin.site.urls),
]
