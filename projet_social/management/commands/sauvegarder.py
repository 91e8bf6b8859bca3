from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projet_social.sauvegarde import ErreurSauvegarde, nom_de_la_base, nom_par_defaut, sauvegarder


class Command(BaseCommand):
    help = (
        "Sauvegarde toute la base (projet social, fiches, bilans, comptes, historique) dans un "
        "fichier : pg_dump au format « custom » sur PostgreSQL, copie en ligne sur SQLite. "
        "Sans nom de fichier : projet_social-AAAA-MM-JJ-HHMM.dump (ou .sqlite3)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("fichier", nargs="?", help="Fichier à écrire (ne doit pas exister).")
        parser.add_argument(
            "--dossier",
            default=".",
            help="Dossier du fichier quand son nom est choisi par la commande (défaut : ici).",
        )
        parser.add_argument("--database", default="default", help="Alias de la base (défaut).")

    def handle(self, *args, fichier: str | None, dossier: str, database: str, **options) -> None:
        try:
            chemin = Path(fichier) if fichier else Path(dossier) / nom_par_defaut(database)
            sauvegarder(chemin, database)
        except ErreurSauvegarde as erreur:
            raise CommandError(f"Sauvegarde impossible : {erreur}") from None
        taille = chemin.stat().st_size / 1024 / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"Base « {nom_de_la_base(database)} » sauvegardée dans « {chemin} » "
                f"({taille:.1f} Mo)."
            )
        )
