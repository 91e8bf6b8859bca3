from django.core.management.base import BaseCommand, CommandError

from projet_social.connexion import lever, suspensions


class Command(BaseCommand):
    help = (
        "Liste les connexions suspendues après des échecs de mot de passe, ou lève la "
        "suspension d'un identifiant, d'une adresse, ou de tous (--tout)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--identifiant", help="Identifiant dont lever la suspension.")
        parser.add_argument("--adresse", help="Adresse IP dont lever la suspension.")
        parser.add_argument(
            "--tout", action="store_true", help="Oublier tous les échecs de connexion."
        )

    def handle(self, *args, identifiant=None, adresse=None, tout=False, **options) -> None:
        if not (identifiant or adresse or tout):
            liste = suspensions()
            if not liste:
                self.stdout.write("Aucune connexion n'est suspendue.")
            for s in liste:
                qui = (
                    f"identifiant « {s['identifiant']} » depuis {s['adresse'] or '?'}"
                    if s["identifiant"]
                    else f"adresse {s['adresse']} (tous identifiants)"
                )
                self.stdout.write(
                    f"{qui} : {s['echecs']} échecs, suspendu jusqu'à {s['jusqu_a']:%d/%m/%Y %H:%M}"
                )
            return
        if tout and (identifiant or adresse):
            raise CommandError("--tout ne se combine pas avec --identifiant ou --adresse.")
        nombre = lever(identifiant, adresse)
        self.stdout.write(self.style.SUCCESS(f"Suspension levée : {nombre} échec(s) oublié(s)."))
