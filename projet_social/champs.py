"""Field helpers shared by the apps."""

from django.core.validators import MaxLengthValidator
from django.db import models

# The longest free text of a field: about eight pages, far beyond a fiche's or a review's
# paragraph, and far below what would slow a page or a PDF down (a 1 MB paste is refused).
TEXTE_MAX = 20_000


def texte_libre(*args, max_length: int = TEXTE_MAX, **kwargs) -> models.TextField:
    """A TextField whose maximum length holds everywhere: forms (``maxlength`` and their
    validation), the model's validation (the workbook's import, the admin)."""
    return models.TextField(
        *args, max_length=max_length, validators=[MaxLengthValidator(max_length)], **kwargs
    )
