"""Two saves at once of the same name or number: the form checked, then a colleague saved the
same value first, and the database's unique constraint refuses the second save. The view
keeps the user's input, with the reason on the field, and answers 409."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.db import IntegrityError, transaction

T = TypeVar("T")
CODE = "course"


def enregistrer_sans_doublon(
    form: forms.BaseForm, champ: str, message: str, enregistrer: Callable[[], T]
) -> tuple[bool, T | None]:
    """(True, what ``enregistrer()`` returned), run in a transaction; (False, None), with
    ``message`` on the field ``champ``, when the database refused a duplicate."""
    try:
        with transaction.atomic():
            return True, enregistrer()
    except IntegrityError:
        form.add_error(champ, forms.ValidationError(message, code=CODE))
        return False, None


def refuse_par_la_base(form: forms.BaseForm, champ: str) -> bool:
    return form.has_error(champ, CODE)
