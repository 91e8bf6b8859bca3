import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projet_social.sauvegarde import (
    ErreurSauvegarde,
    nom_de_la_base,
    restaurer,
    verifier_fichier,
)


class Command(BaseCommand):
    help = (
        "Remplace tout le contenu de la base par une sauvegarde faite avec « sauvegarder ». "
        "Demande confirmation, sauf avec --oui. Arrêtez le service avant."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("fichier", help="Sauvegarde à restaurer.")
        parser.add_argument(
            "--oui", action="store_true", help="Ne pas demander confirmation (scripts)."
        )
        parser.add_argument("--database", default="default", help="Alias de la base (défaut).")

    def handle(self, *args, fichier: str, oui: bool, database: str, **options) -> None:
        chemin = Path(fichier)
        base = nom_de_la_base(database)
        try:
            verifier_fichier(chemin, database)
        except ErreurSauvegarde as erreur:
            raise CommandError(f"Restauration impossible : {erreur}") from None
        if not oui:
            date = datetime.datetime.fromtimestamp(chemin.stat().st_mtime)
            self.stdout.write(
                f"Tout le contenu actuel de la base « {base} » va être remplacé par la "
                f"sauvegarde « {chemin} » du {date:%d/%m/%Y à %H:%M}."
            )
            try:
                reponse = input("Tapez « oui » pour continuer : ")
            except EOFError:
                reponse = ""
            if reponse.strip().lower() != "oui":
                raise CommandError("Restauration annulée : la base n'a pas été modifiée.")
        try:
            restaurer(chemin, database)
        except ErreurSauvegarde as erreur:
            raise CommandError(f"Restauration impossible : {erreur}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Base « {base} » restaurée depuis « {chemin} ». Lancez ensuite "
                "« python manage.py migrate » si la sauvegarde vient d'une version plus ancienne."
            )
        )
