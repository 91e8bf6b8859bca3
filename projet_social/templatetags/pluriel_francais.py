"""Django's ``pluralize`` with the French rule, for every template (settings: a builtin
library, loaded after Django's own, whose filter of the same name it replaces): zero and one
take the singular, « 0 action », « 1 action », « 2 actions »."""

from django import template
from django.template.defaultfilters import pluralize as pluralize_de_django

register = template.Library()


@register.filter(is_safe=False)
def pluralize(valeur, suffixe: str = "s") -> str:
    try:
        nombre = abs(float(valeur))
    except (TypeError, ValueError):
        try:
            nombre = len(valeur)
        except TypeError:
            return ""
    return pluralize_de_django(2 if nombre >= 2 else 1, suffixe)
