from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from axes.models import ProjetSocial


def projet_courant(request: HttpRequest) -> dict:
    """The plan named in the header and footer, read only if a template uses it."""
    return {"projet_courant": SimpleLazyObject(ProjetSocial.objects.courant)}
