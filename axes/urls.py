from django.urls import path

from axes import views

app_name = "axes"

urlpatterns = [
    path("plan/axes/nouveau/", views.axe_creer, name="axe_creer"),
    path("plan/axes/<int:pk>/modifier/", views.axe_modifier, name="axe_modifier"),
    path("plan/axes/<int:axe_pk>/objectifs/nouveau/", views.objectif_creer, name="objectif_creer"),
    path("plan/objectifs/<int:pk>/modifier/", views.objectif_modifier, name="objectif_modifier"),
    path("besoins/", views.besoins, name="besoins"),
    path("besoins/nouveau/", views.besoin_creer, name="besoin_creer"),
    path("besoins/<int:pk>/", views.besoin, name="besoin"),
    path("besoins/<int:pk>/modifier/", views.besoin_modifier, name="besoin_modifier"),
]
