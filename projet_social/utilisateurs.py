"""How a user is named on every screen, PDF and snapshot, and which accounts a select offers."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet

from projet_social import roles

ORDRE_DES_NOMS = ("last_name", "first_name", "username")


def nom_affiche(user: AbstractBaseUser | None) -> str:
    """ "Prénom Nom", else the login; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def comptes_elus(garder: int | None = None) -> QuerySet:
    """The active accounts of the group « Élus », by name, and the account ``garder`` (the
    one a fiche names already: it stays selectable after leaving the group or being
    deactivated, so that saving the fiche does not drop it)."""
    User = get_user_model()
    elus = User.objects.filter(groups__name=roles.ELUS).values("pk")
    condition = Q(is_active=True, pk__in=elus)
    if garder is not None:
        condition |= Q(pk=garder)
    return User.objects.filter(condition).order_by(*ORDRE_DES_NOMS)
