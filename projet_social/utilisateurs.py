"""How a user is named on every screen, PDF and snapshot."""

from django.contrib.auth.base_user import AbstractBaseUser


def nom_affiche(user: AbstractBaseUser | None) -> str:
    """ "Prénom Nom", else the login; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
