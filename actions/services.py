"""Work on the actions app that spans several models."""

from django.db import transaction

from actions.enums import RolePartenaire
from actions.models import Partenaire

# A partner on an action keeps its strongest role when two duplicates meet on it.
ORDRE_ROLES = (
    RolePartenaire.CO_PILOTE,
    RolePartenaire.FINANCEUR,
    RolePartenaire.CONTRIBUTEUR,
    RolePartenaire.RELAIS,
)
# Fields of the kept partner filled from the merged one when empty.
CHAMPS_CONTACT = ("contact", "telephone", "email", "site")


def role_le_plus_fort(*roles: str) -> str:
    return min(roles, key=ORDRE_ROLES.index)


class PartenaireDisparu(Exception):
    """A partner of a merge no longer exists (merged into another one, or deleted, meanwhile)."""

    def __init__(self, partenaire: Partenaire) -> None:
        super().__init__(
            f"Le partenaire « {partenaire.nom} » n'existe plus : il vient d'être fusionné ou "
            "supprimé par ailleurs. Rien n'a été fait ; vérifiez l'annuaire."
        )


def fusionner_partenaires(doublon: Partenaire, garde: Partenaire) -> None:
    """Move every row of ``doublon`` to ``garde``, then delete ``doublon``, in one transaction.

    Rows are saved one by one, not updated in bulk, so that django-simple-history records
    each move with its reason. ActionPartenaire and LigneBudget protect their partner: if a
    row was missed, the delete fails and the whole merge is rolled back.
    """
    raison = f"Fusion du partenaire « {doublon.nom} » dans « {garde.nom} »"
    with transaction.atomic():
        # Lock both rows (PostgreSQL) and read them again: a colleague may have edited them.
        verrous = Partenaire.objects.select_for_update().in_bulk([doublon.pk, garde.pk])
        if doublon.pk not in verrous or garde.pk not in verrous:
            # Merged (or deleted) meanwhile: two crossed merges, A into B and B into A.
            disparu = doublon if doublon.pk not in verrous else garde
            raise PartenaireDisparu(disparu)
        doublon, garde = verrous[doublon.pk], verrous[garde.pk]
        participations_garde = {p.action_id: p for p in garde.participations.all()}
        for participation in doublon.participations.all():
            participation._change_reason = raison
            existante = participations_garde.get(participation.action_id)
            if existante is None:
                participation.partenaire = garde
                participation.save(update_fields=["partenaire"])
                continue
            role = role_le_plus_fort(existante.role, participation.role)
            participation.delete()
            if role != existante.role:
                existante.role = role
                existante._change_reason = raison
                existante.save(update_fields=["role"])
        for ligne in doublon.financements.all():
            ligne.financeur = garde
            ligne._change_reason = raison
            ligne.save(update_fields=["financeur"])
        # Reunion.partenaires is historised: change it from each meeting's side, so that its
        # history records the change (simple-history fails on the partner's side).
        for reunion in doublon.reunions.all():
            reunion._change_reason = raison
            reunion.partenaires.remove(doublon)
            reunion.partenaires.add(garde)  # no second row if it attended already
        completes = [
            champ
            for champ in CHAMPS_CONTACT
            if not getattr(garde, champ) and getattr(doublon, champ)
        ]
        for champ in completes:
            setattr(garde, champ, getattr(doublon, champ))
        if completes:
            # Bumps the version: a form of the kept partner opened before the merge must not
            # blank the contacts it received.
            garde.save_versioned(garde.version, update_fields=completes)
        doublon.delete()
