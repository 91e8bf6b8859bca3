"""Forms say what the database constraints say: one French message per rule."""

from django.db import models


def message_contrainte(model: type[models.Model], nom: str) -> str:
    """The French message of ``model``'s constraint ``nom`` (LookupError if none)."""
    for contrainte in model._meta.constraints:
        if contrainte.name == nom:
            return contrainte.get_violation_error_message()
    raise LookupError(nom)
