from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projet_social.demo import MOT_DE_PASSE_DEMO, DonneesDemoInvalides, charger_demo


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration du CCAS de Gouesnou (projet social, fiches action, "
        "bilans) et les comptes de démonstration. Peut être relancée sans créer de doublons. "
        "Refusée quand DEBUG est désactivé."
    )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "charger_demo refuse de s'exécuter quand DEBUG est désactivé : elle crée les "
                f"comptes agent, elu et admin avec le mot de passe public « {MOT_DE_PASSE_DEMO} », "
                "que n'importe qui pourrait utiliser sur une base de production. Lancez-la "
                "uniquement sur une base de développement ou de démonstration, avec DEBUG=1."
            )
        try:
            resume = charger_demo()
        except DonneesDemoInvalides as erreur:
            raise CommandError(str(erreur)) from erreur

        campagnes = " et ".join(
            f"bilan {annee} ({n} évaluations)"
            for annee, n in resume.evaluations_par_campagne.items()
        )
        self.stdout.write(
            self.style.SUCCESS(
                "Données de démonstration chargées : "
                f"{resume.axes} axes, {resume.objectifs} objectifs, {resume.actions} actions, "
                f"{resume.indicateurs} indicateurs, {resume.etapes} étapes, "
                f"{resume.lignes_budget} lignes de budget, {resume.partenaires} partenaires, "
                f"{resume.publics} publics cibles, {resume.besoins} besoins sociaux, "
                f"{resume.reunions} réunions, {campagnes}, {resume.mesures} mesures."
            )
        )
        self.stdout.write(
            f"Lignes créées : {resume.lignes_creees} ; lignes modifiées : "
            f"{resume.lignes_modifiees}."
        )
        comptes = ", ".join(f"{compte.username} ({compte.groupe})" for compte in resume.comptes)
        self.stdout.write(
            f"Comptes de démonstration (mot de passe « {MOT_DE_PASSE_DEMO} ») : {comptes}."
        )
