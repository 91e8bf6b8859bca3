"""« À faire »: what a pilote has to do now on the fiches they pilot, in three short lists:
the evaluations to fill in for the open review, the late actions, and the steps due within
the next 30 days or already overdue. It reads the three apps, so it lives here, above them.

How a page shows it (the home page, for one): the view puts an ``AFaire`` in its context
under the name ``a_faire``, and the template includes the partial where a level-2 heading
fits (the partial brings its own ``<h2>À faire</h2>`` and an ``<h3>`` per list)::

    # the view
    from evaluations.models import Campagne
    from projet_social.views.a_faire import a_faire

    projet = get_projet_courant(request)
    context["a_faire"] = a_faire(
        request.user, projet, Campagne.objects.derniere_ouverte(projet)
    )

    {# the template #}
    {% include "includes/_a_faire.html" %}

One query for a user who pilots no fiche (most élus, and agents who pilot none: nothing to
list), else four whatever the number of fiches, steps and reviews (that one, then one per
list; three without an open review), and none when rendering: the items carry their text and
their link.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from actions.enums import STATUTS_TERMINES
from actions.models import ORDRE_CODE, Action, Etape
from axes.models import ProjetSocial
from evaluations.models import Campagne, a_evaluer

# A step is listed from this many days before its échéance (and until it is done).
DELAI_ETAPES = datetime.timedelta(days=30)

# What the lists read of a fiche: its code and intitulé, its échéance.
_CHAMPS_FICHE = ("intitule", "numero", "echeance", "objectif__numero", "objectif__axe__numero")


@dataclass(frozen=True)
class Tache:
    """One line of a list: the fiche it concerns (its code "2.3.1" and intitulé), where to
    act, and when. For a step, its libellé and whether it is overdue."""

    code: str
    intitule: str
    url: str
    echeance: datetime.date | None
    etape: str = ""
    en_retard: bool = False


@dataclass(frozen=True)
class AFaire:
    campagne: Campagne | None  # the open review the evaluations are for; None: no list
    evaluations: list[Tache] = field(default_factory=list)
    en_retard: list[Tache] = field(default_factory=list)
    etapes: list[Tache] = field(default_factory=list)

    @property
    def vide(self) -> bool:
        return not (self.evaluations or self.en_retard or self.etapes)


def a_faire(
    user: AbstractBaseUser | AnonymousUser,
    projet: ProjetSocial,
    campagne_ouverte_ou_none: Campagne | None,
    aujourdhui: datetime.date | None = None,
) -> AFaire:
    """What ``user`` has to do on the fiches of ``projet`` they pilot:

    - ``evaluations``: the fiches still to evaluate in ``campagne_ouverte_ou_none`` (the
      review page's « à évaluer »: no appréciation chosen there, not abandoned), in code
      order, each linking to its evaluation form; none without an open review;
    - ``en_retard``: the late fiches (``ActionQuerySet.en_retard``), the oldest échéance
      first, each linking to the fiche;
    - ``etapes``: the steps not done whose échéance falls within the next 30 days, or has
      passed (``en_retard``), by échéance, each linking to the fiche's calendar. The steps of
      a fiche réalisée or abandonnée are left out: nothing remains to do there.
    """
    campagne = campagne_ouverte_ou_none
    if campagne is not None and campagne.est_close:
        campagne = None  # a closed review is not filled in any more
    if not user.is_authenticated:
        return AFaire(campagne=campagne)
    aujourdhui = aujourdhui or timezone.localdate()
    pilotees = Action.objects.du_projet(projet).filter(pilote=user)
    if not pilotees.exists():
        return AFaire(campagne=campagne)
    fiches = pilotees.select_related("objectif__axe").only(*_CHAMPS_FICHE)
    evaluations = []
    if campagne is not None:
        evaluations = [
            _tache(action, reverse("evaluations:evaluer", args=[campagne.pk, action.pk]))
            for action in a_evaluer(fiches, campagne).order_by(*ORDRE_CODE)
        ]
    en_retard = [
        _tache(action, _url_fiche(action))
        for action in fiches.en_retard(aujourdhui).order_by("echeance", *ORDRE_CODE)
    ]
    etapes = (
        Etape.objects.filter(
            action__in=pilotees.exclude(statut__in=STATUTS_TERMINES).values("pk"),
            faite=False,
            echeance__isnull=False,
            echeance__lte=aujourdhui + DELAI_ETAPES,
        )
        .select_related("action__objectif__axe")
        .only("libelle", "echeance", "faite", *(f"action__{champ}" for champ in _CHAMPS_FICHE))
        .order_by("echeance", *(f"action__{cle}" for cle in ORDRE_CODE), "ordre", "pk")
    )
    return AFaire(
        campagne=campagne,
        evaluations=evaluations,
        en_retard=en_retard,
        etapes=[
            Tache(
                code=etape.action.code,
                intitule=etape.action.intitule,
                url=f"{_url_fiche(etape.action)}#calendrier",
                echeance=etape.echeance,
                etape=etape.libelle,
                en_retard=etape.en_retard_le(aujourdhui),
            )
            for etape in etapes
        ],
    )


def _url_fiche(action: Action) -> str:
    return reverse("actions:detail", args=[action.pk])


def _tache(action: Action, url: str) -> Tache:
    return Tache(code=action.code, intitule=action.intitule, url=url, echeance=action.echeance)
