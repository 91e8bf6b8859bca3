"""The login page, with brute-force protection: after LOGIN_LIMITE failed attempts on one
identifiant (default 5 in 15 minutes) the login of that identifiant is refused until the window
ends, with a French message, even with the right password. Counted by django-ratelimit in the
database cache, so every server process shares the count. Keyed on the identifiant rather
than the address: behind a municipal proxy every agent shares one address."""

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

MESSAGE_BLOQUE = (
    "Trop de tentatives de connexion ont échoué pour cet identifiant. Par sécurité, la "
    "connexion est suspendue quelques minutes : réessayez plus tard, ou demandez à "
    "l'administrateur de réinitialiser votre mot de passe."
)


def _identifiant(group: str, request: HttpRequest) -> str:
    return request.POST.get("username", "").strip().casefold()


def tentatives_epuisees(request: HttpRequest, *, compter: bool) -> bool:
    """Whether the identifiant has used up its failed attempts (counting this one if
    ``compter``): with "5/15m", the sixth attempt is refused, right password or not."""
    usage = get_usage(
        request,
        group="connexion",
        key=_identifiant,
        rate=settings.LOGIN_LIMITE,
        method="POST",
        increment=compter,
    )
    return usage is not None and usage["count"] >= usage["limit"]


class ConnexionView(LoginView):
    template_name = "registration/login.html"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if tentatives_epuisees(request, compter=False):
            form = self.get_form()
            return self.render_to_response(
                self.get_context_data(form=form, bloque=MESSAGE_BLOQUE), status=429
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        # Only failures count: a colleague who logs in many times a day is never blocked.
        tentatives_epuisees(self.request, compter=True)
        return super().form_invalid(form)
