from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from projet_social.permissions import projet_courant_ou_none


def projet_courant(request: HttpRequest) -> dict:
    """The plan named in the header and footer, read only if a template uses it."""
    return {"projet_courant": SimpleLazyObject(lambda: projet_courant_ou_none(request))}
