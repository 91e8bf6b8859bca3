from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from axes.models import ProjetSocial
from projet_social.classeur import importer_classeur
from projet_social.imports import importer_en_ligne_de_commande


class Command(BaseCommand):
    help = (
        "Importe un classeur Excel du projet social (export ou modèle rempli) dans le projet "
        "social courant : tout ou rien, en une transaction. --dry-run vérifie sans rien "
        "enregistrer."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("fichier", help="Chemin du classeur à importer (.xlsx).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Vérifier le classeur et afficher le rapport sans rien enregistrer.",
        )
        parser.add_argument(
            "--utilisateur",
            help="Identifiant du compte à qui l'historique attribue les modifications.",
        )

    def handle(self, *args, fichier: str, dry_run: bool, utilisateur: str | None, **options):
        if not Path(fichier).is_file():
            raise CommandError(f"Fichier « {fichier} » introuvable.")
        par = None
        if utilisateur:
            modele = get_user_model()
            par = modele._default_manager.filter(**{modele.USERNAME_FIELD: utilisateur}).first()
            if par is None:
                raise CommandError(f"Aucun compte n'a l'identifiant « {utilisateur} ».")
        projet = ProjetSocial.objects.courant()
        if projet is None:
            raise CommandError(
                "Aucun projet social n'existe : créez-le avant d'importer son classeur."
            )
        self.stdout.write(f"Projet social : {projet}")
        if dry_run:
            rapport = importer_classeur(fichier, projet, par, dry_run=True)
        else:
            # Recorded on the « Imports » page, like an import made in the browser.
            rapport = importer_en_ligne_de_commande(fichier, projet, par)
        if rapport.refuse:
            # The report on the standard output, as for a success; the refusal as the error.
            self.stdout.write(rapport.texte())
            raise CommandError(rapport.conclusion)
        self.stdout.write(self.style.SUCCESS(rapport.texte()))
