"""Middleware of the project."""

import logging
import time

from django.contrib.auth.signals import user_logged_in
from django.db import DataError, IntegrityError
from django.dispatch import receiver
from django.shortcuts import render

journal = logging.getLogger("projet_social.requetes")
CLE = "_renouvelee"
# The session's end is pushed back when it was last pushed more than this long ago.
INTERVALLE = 600


class SessionGlissante:
    """A session lasts SESSION_COOKIE_AGE after the user's last request, not after the login:
    the session is saved again (which sets its new end) when it was last saved more than ten
    minutes ago. Cheaper than SESSION_SAVE_EVERY_REQUEST, a write per request."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            maintenant = int(time.time())
            if maintenant - session.get(CLE, 0) > INTERVALLE:
                session[CLE] = maintenant  # modified: saved with a new end of session
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="ps_session_glissante")
def _noter_la_connexion(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[CLE] = int(time.time())


class EntreeIllisible:
    """What a request cannot hold, answered in French instead of a server error:

    - a NUL character in the address, a query parameter or a form field (PostgreSQL refuses
      to store or compare it): 400, before any view runs;
    - a number beyond what the database holds (``?date__year=99999999999999999999``): the
      OverflowError, or the database's DataError, raised by the query is a 400;
    - two saves at once of the same name or number (the database's unique constraint): the
      IntegrityError is a 409, nothing written (the view's transaction is rolled back), the
      user's input still in the page they go back to. Views that can, catch it themselves and
      keep the form with the reason (partners, axes).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if _contient_nul(request):
            journal.warning("Requête refusée (caractère nul) : %s", request.path_info[:200])
            return _page(request, "400.html", 400, raison=NUL)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError | DataError):
            journal.warning("Requête refusée (%s) : %s", exception, request.get_full_path()[:200])
            return _page(request, "400.html", 400)
        if isinstance(exception, IntegrityError):
            journal.warning("Enregistrement refusé (%s) : %s", exception, request.path_info[:200])
            return _page(request, "409.html", 409)
        return None


NUL = (
    "L'adresse ou le formulaire envoyé contient un caractère nul, invisible, qu'aucun champ "
    "n'accepte."
)


def _contient_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    for donnees in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for cle, valeurs in donnees.lists():
            if "\x00" in cle or any("\x00" in valeur for valeur in valeurs):
                return True
    return False


def _page(request, gabarit: str, statut: int, **contexte):
    return render(request, gabarit, contexte, status=statut)


class StylesDeLAdmin:
    """The admin's pages keep the style attributes Django's templates write; every other page
    has none (settings.CONTENT_SECURITY_POLICY). Placed after CSPMiddleware, so that it runs
    first on the way out."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/admin/"):
            response._csp_update = {"style-src-attr": ["'unsafe-inline'"]}
        return response
