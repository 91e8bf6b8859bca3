"""Who may do what. Roles are Django groups with permissions (projet_social/roles.py);
the pilote of an action may also edit that fiche. Every view goes through these helpers."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from axes.models import ProjetSocial
from projet_social.generation import memoire
from projet_social.roles import MODELES_EDITABLES_PAR_AGENTS

User = AbstractBaseUser | AnonymousUser


def projet_courant_ou_none(request: HttpRequest) -> ProjetSocial | None:
    """The plan every screen works on: kept by the process until the plan changes (a copy
    for each request)."""
    if not hasattr(request, "_projet_courant"):
        request._projet_courant = memoire("projet courant", (), ProjetSocial.objects.courant)
    return request._projet_courant


def get_projet_courant(request: HttpRequest) -> ProjetSocial:
    """The plan every screen works on; 404 with a French message when none exists yet."""
    projet = projet_courant_ou_none(request)
    if projet is None:
        raise Http404("Aucun projet social n'est encore saisi.")
    return projet


def exiger(user: User, perm: str) -> None:
    """403 unless the user's groups grant ``perm`` ("actions.change_action")."""
    if not user.has_perm(perm):
        raise PermissionDenied


def peut_modifier_action(user: User, action) -> bool:
    """Agents edit every fiche; a pilote edits the fiches they pilot; élus edit none."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm("actions.change_action") or (
        action.pilote_id is not None and action.pilote_id == user.pk
    )


def exiger_lecture_action(user: User, action) -> None:
    """The groups that view actions read every fiche; a pilote outside them still reads the
    fiche they edit (its page, its history)."""
    if not (user.has_perm("actions.view_action") or peut_modifier_action(user, action)):
        raise PermissionDenied


def exiger_modification_action(user: User, action) -> None:
    if not peut_modifier_action(user, action):
        raise PermissionDenied


def peut_evaluer_action(user: User, action) -> bool:
    """Agents evaluate every action; a pilote evaluates the actions they pilot."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm("evaluations.change_evaluation") or (
        action.pilote_id is not None and action.pilote_id == user.pk
    )


def exiger_campagne_ouverte(campagne) -> None:
    """A closed campaign is frozen: its evaluations and mesures are read-only for everyone,
    forged POSTs included. Only an administrator may reopen it (a recorded act)."""
    if campagne.est_close:
        raise PermissionDenied(
            "Cette campagne est close : ses évaluations ne sont plus modifiables."
        )


# The import of the workbook adds and changes rows of every kind it holds: what agents edit.
PERMISSIONS_D_IMPORT = [
    f"{app}.{droit}_{modele}"
    for app, modeles in MODELES_EDITABLES_PAR_AGENTS.items()
    for modele in modeles
    for droit in ("add", "change")
]


def peut_importer(user: User) -> bool:
    """Agents and administrators import the workbook; élus and pilotes do not."""
    return user.is_authenticated and user.is_active and user.has_perms(PERMISSIONS_D_IMPORT)


def exiger_import(user: User) -> None:
    if not peut_importer(user):
        raise PermissionDenied
