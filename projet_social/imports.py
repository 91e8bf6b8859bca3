"""The imports of the workbook as the product records them (``ImportClasseur``): the browser's
preview then confirmation, and the ``importer_projet`` command.

- ``previsualiser(fichier, nom, projet, par)``: reads the upload (size-limited), notes the plan's
  fingerprint, runs the import as a dry run and records it, keeping the file for the
  confirmation (a refused file is recorded without its content);
- ``confirmer(record, par)``: re-reads the kept file, and imports it only if the plan has not
  changed since the preview; if it has, the preview is made again (the user sees what the
  import would do now and confirms again);
- ``abandonner(record)``; ``importer_en_ligne_de_commande(fichier, nom, projet, par)``.

A roof module (tests/test_architecture.py).
"""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone

from axes.models import ProjetSocial
from projet_social.classeur import Erreur, Rapport, empreinte_du_plan, importer_classeur
from projet_social.classeur.lecture import ClasseurRefuse, lire_octets
from projet_social.models import ImportClasseur

Statut = ImportClasseur.Statut
# A preview not confirmed within this delay is abandoned and its file dropped.
DUREE_D_UNE_PREVISUALISATION = datetime.timedelta(hours=24)
PLAN_MODIFIE = (
    "Le plan a été modifié depuis la prévisualisation (par vous, dans un autre onglet, ou par "
    "un collègue) : rien n'a été importé. Voici ce que l'import ferait maintenant ; "
    "confirmez à nouveau si cela vous convient."
)


class ImportDejaTraite(Exception):
    """The preview was already confirmed or abandoned (a second click, another tab)."""


def _noter(record: ImportClasseur, rapport: Rapport) -> None:
    record.rapport = rapport.en_json()
    record.creees = rapport.creees
    record.modifiees = rapport.modifiees
    record.inchangees = rapport.inchangees
    record.erreurs = len(rapport.erreurs)


def _terminer(record: ImportClasseur, statut: str, motif: str = "") -> None:
    record.statut = statut
    record.motif = motif[:300]
    record.termine_le = timezone.now()
    record.contenu = None
    record.empreinte_du_plan = ""


def _conclure(record: ImportClasseur, rapport: Rapport) -> None:
    """An import made (or refused): the record says what it did, its file is dropped."""
    _noter(record, rapport)
    if rapport.enregistre:
        _terminer(record, Statut.ENREGISTRE)
    else:
        _terminer(record, Statut.REFUSE, rapport.conclusion)
    record.save()


def purger_les_previsualisations() -> int:
    """Abandon the previews older than a day: their files are dropped."""
    limite = timezone.now() - DUREE_D_UNE_PREVISUALISATION
    return ImportClasseur.objects.filter(statut=Statut.PREVISUALISE, cree_le__lt=limite).update(
        statut=Statut.ABANDONNE,
        motif="Prévisualisation non confirmée dans les 24 heures.",
        termine_le=timezone.now(),
        contenu=None,
        empreinte_du_plan="",
    )


def previsualiser(fichier, nom: str, projet: ProjetSocial, par) -> ImportClasseur:
    """Record the upload ``fichier`` (named ``nom`` by the user) as a preview of its import."""
    purger_les_previsualisations()
    taille = getattr(fichier, "size", None)
    record = ImportClasseur(projet=projet, par=par, nom_du_fichier=nom[:255])
    try:
        donnees = lire_octets(fichier)
    except ClasseurRefuse as refus:
        record.taille = taille or 0
        record.empreinte_du_fichier = ""
        rapport = Rapport(simulation=True, erreurs=[Erreur(str(refus))])
    else:
        record.taille = len(donnees)
        record.empreinte_du_fichier = hashlib.sha256(donnees).hexdigest()
        # The fingerprint before the dry run: a change made during it makes the confirmation
        # preview again, never import over it.
        record.empreinte_du_plan = empreinte_du_plan(projet)
        rapport = importer_classeur(donnees, projet, par, dry_run=True)
        record.contenu = donnees
    _noter(record, rapport)
    if rapport.refuse:
        _terminer(record, Statut.REFUSE, rapport.conclusion)
    else:
        record.statut = Statut.PREVISUALISE
    record.save()
    return record


def confirmer(record: ImportClasseur, par) -> tuple[ImportClasseur, Rapport, bool]:
    """Import the previewed file. Returns the record, the report, and whether the import was
    made (False: the plan had changed, the record holds a new preview)."""
    with transaction.atomic():
        # Two confirmations of one preview (a double click) wait for each other here.
        record = ImportClasseur.objects.select_for_update().get(pk=record.pk)
        if record.statut != Statut.PREVISUALISE:
            raise ImportDejaTraite
        projet = record.projet
        donnees = bytes(record.contenu)
        empreinte = empreinte_du_plan(projet)
        if empreinte != record.empreinte_du_plan:
            rapport = importer_classeur(donnees, projet, par, dry_run=True)
            _noter(record, rapport)
            record.empreinte_du_plan = empreinte
            if rapport.refuse:
                _terminer(record, Statut.REFUSE, rapport.conclusion)
            record.save()
            return record, rapport, False
        rapport = importer_classeur(donnees, projet, par, raison=record.raison)
        _conclure(record, rapport)
    return record, rapport, True


def abandonner(record: ImportClasseur) -> None:
    with transaction.atomic():
        record = ImportClasseur.objects.select_for_update().get(pk=record.pk)
        if record.statut != Statut.PREVISUALISE:
            raise ImportDejaTraite
        _terminer(record, Statut.ABANDONNE, "Abandonné après la prévisualisation.")
        record.save()


def importer_en_ligne_de_commande(chemin: str, projet: ProjetSocial, par) -> Rapport:
    """The ``importer_projet`` command's import, recorded like the browser's."""
    record = ImportClasseur.objects.create(
        projet=projet,
        par=par,
        origine=ImportClasseur.Origine.COMMANDE,
        nom_du_fichier=str(chemin)[-255:],
        taille=0,
        empreinte_du_fichier="",
        statut=Statut.REFUSE,
        motif="Import interrompu.",
    )
    try:
        donnees = lire_octets(chemin)
    except ClasseurRefuse as refus:
        rapport = Rapport(erreurs=[Erreur(str(refus))])
    else:
        record.taille = len(donnees)
        record.empreinte_du_fichier = hashlib.sha256(donnees).hexdigest()
        rapport = importer_classeur(donnees, projet, par, raison=record.raison)
    _conclure(record, rapport)
    return rapport
