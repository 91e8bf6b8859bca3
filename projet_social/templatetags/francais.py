"""French for the templates: "0 action", "1 action", "2 actions" (Django's pluralize writes
"0 actions": in French zero takes the singular)."""

from django import template

register = template.Library()


def pluriel(nombre: int, mot: str) -> str:
    """ "action" -> "0 action", "1 action", "2 actions"; "mot,mots" for an irregular plural
    ("bilan annuel,bilans annuels")."""
    singulier, _, forme_plurielle = mot.partition(",")
    if abs(nombre) < 2:
        return f"{nombre} {singulier}"
    return f"{nombre} {forme_plurielle or singulier + 's'}"


register.filter("pluriel", pluriel)
