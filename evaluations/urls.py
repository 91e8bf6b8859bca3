from django.urls import path

from evaluations.views import campagnes, evaluation, reunions

app_name = "evaluations"

urlpatterns = [
    path("bilans/", campagnes.liste, name="campagnes"),
    path("bilans/ouvrir/", campagnes.ouvrir, name="ouvrir"),
    path("bilans/<int:pk>/", campagnes.detail, name="campagne"),
    path("bilans/<int:pk>/modifier/", campagnes.modifier, name="campagne_modifier"),
    path("bilans/<int:pk>/clore/", campagnes.clore, name="clore"),
    path("bilans/<int:pk>/rouvrir/", campagnes.rouvrir, name="rouvrir"),
    path("bilans/<int:pk>/nouvelle-action/", campagnes.action_nouvelle, name="action_nouvelle"),
    path(
        "bilans/<int:campagne_pk>/actions/<int:action_pk>/",
        evaluation.evaluer,
        name="evaluer",
    ),
    path("concertation/", reunions.concertation, name="concertation"),
    path("reunions/nouvelle/", reunions.creer, name="reunion_creer"),
    path("reunions/<int:pk>/", reunions.detail, name="reunion"),
    path("reunions/<int:pk>/modifier/", reunions.modifier, name="reunion_modifier"),
]
