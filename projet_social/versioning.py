"""Optimistic locking: a save that names the version it started from.

Two agents open the same fiche; the first save bumps the version; the second save names
the old version, matches no row, and is refused. The version is bumped by a conditional
UPDATE and the fields are written by ``save()`` in the same transaction, so
django-simple-history still records the change (it listens to ``save()``, not to
``QuerySet.update()``).
"""

from django.db import models, transaction
from django.db.models import F


class ConflitDeVersion(Exception):
    """The row changed since the user opened it; carries the current row for the message."""

    def __init__(self, instance: models.Model, actuelle: models.Model | None) -> None:
        self.instance = instance
        self.actuelle = actuelle
        super().__init__(
            f"{instance._meta.verbose_name} a été modifié(e) par quelqu'un d'autre "
            "depuis son ouverture."
        )


class VersionedModel(models.Model):
    version = models.PositiveIntegerField("version", default=1, editable=False)

    class Meta:
        abstract = True

    def save_versioned(self, expected_version: int, **kwargs) -> None:
        """Save if the row is still at ``expected_version``; raise ConflitDeVersion otherwise."""
        if self.pk is None or self._state.adding:
            self.version = 1
            self.save(**kwargs)
            return
        manager = type(self)._base_manager
        with transaction.atomic():
            updated = manager.filter(pk=self.pk, version=expected_version).update(
                version=F("version") + 1
            )
            if updated != 1:
                raise ConflitDeVersion(self, manager.filter(pk=self.pk).first())
            self.version = expected_version + 1
            self.save(**kwargs)
