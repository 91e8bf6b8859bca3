"""Middleware of the project."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

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
