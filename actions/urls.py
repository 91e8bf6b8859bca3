from django.urls import path

from actions.views import fiche, partenaires

app_name = "actions"

urlpatterns = [
    path("nouvelle/", fiche.creer, name="creer"),
    path("<int:pk>/historique/", fiche.historique, name="historique"),
    path("<int:pk>/modifier/", fiche.modifier, name="modifier"),
    path("<int:pk>/deplacer/", fiche.deplacer, name="deplacer"),
    path("<int:pk>/abandonner/", fiche.abandonner, name="abandonner"),
    path("<int:pk>/supprimer/", fiche.supprimer, name="supprimer"),
    path("partenaires/", partenaires.liste, name="partenaires"),
    path("partenaires/nouveau/", partenaires.creer, name="partenaire_creer"),
    path("partenaires/<int:pk>/", partenaires.detail, name="partenaire"),
    path("partenaires/<int:pk>/modifier/", partenaires.modifier, name="partenaire_modifier"),
    path("partenaires/<int:pk>/fusionner/", partenaires.fusionner, name="partenaire_fusionner"),
]
