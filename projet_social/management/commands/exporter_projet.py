from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from axes.models import ProjetSocial
from projet_social.classeur import exporter_classeur, modele_classeur


class Command(BaseCommand):
    help = (
        "Exporte le projet social courant dans un classeur Excel (une feuille par type de "
        "données : axes, objectifs, actions, partenaires…), ou le modèle vide avec --modele."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("fichier", help="Chemin du classeur à écrire (.xlsx).")
        parser.add_argument(
            "--modele",
            action="store_true",
            help="Écrire le modèle vide (feuilles, en-têtes, listes et mode d'emploi).",
        )

    def handle(self, *args, fichier: str, modele: bool, **options) -> None:
        chemin = Path(fichier)
        if modele:
            contenu = modele_classeur()
            quoi = "Modèle vide du classeur"
        else:
            projet = ProjetSocial.objects.courant()
            if projet is None:
                raise CommandError("Aucun projet social n'existe : rien à exporter.")
            contenu = exporter_classeur(projet)
            quoi = f"Projet social « {projet} »"
        try:
            chemin.write_bytes(contenu)
        except OSError as erreur:
            raise CommandError(f"Impossible d'écrire « {chemin} » : {erreur.strerror}.") from None
        self.stdout.write(self.style.SUCCESS(f"{quoi} exporté dans « {chemin} »."))
