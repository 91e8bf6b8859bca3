"""The roles of the product, as Django groups with permissions.

The groups are created by a data migration (projet_social/migrations) and kept in step by
``synchroniser_groupes``, which the migration calls and later migrations may call again when
models are added.
"""

ADMINISTRATEURS = "Administrateurs"
AGENTS = "Agents CCAS"
ELUS = "Élus"
GROUPES = (ADMINISTRATEURS, AGENTS, ELUS)

APPS = ("axes", "actions", "evaluations")
# What opens the admin site (projet_social/admin_toit.py): the Administrateurs alone have it.
PERMISSION_ADMINISTRATION = "auth.change_user"

# Models agents may add and change (besides viewing everything).
MODELES_EDITABLES_PAR_AGENTS = {
    "axes": ("axe", "objectif", "besoinsocial"),
    "actions": (
        "action",
        "actionpartenaire",
        "partenaire",
        "publiccible",
        "indicateur",
        "etape",
        "lignebudget",
    ),
    "evaluations": ("campagne", "evaluation", "mesure", "reunion"),
}

# Rows inside a fiche that agents may remove while editing it (not the fiche itself).
MODELES_SUPPRIMABLES_PAR_AGENTS = {
    "actions": ("actionpartenaire", "indicateur", "etape", "lignebudget"),
    "evaluations": ("mesure",),
}


def creer_groupes_absents(sender=None, **kwargs) -> None:
    """post_migrate: recreate a missing group with its default permissions (after a flush, in
    tests that empty the database). Existing groups are left as an administrator set them."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    existants = set(Group.objects.filter(name__in=GROUPES).values_list("name", flat=True))
    if len(existants) < len(GROUPES):
        synchroniser_groupes(apps, noms=[nom for nom in GROUPES if nom not in existants])


def permissions_par_defaut(apps) -> dict[str, list]:
    """{group name: its permissions} as the product defines the roles."""
    Permission = apps.get_model("auth", "Permission")
    projet_perms = list(
        Permission.objects.filter(content_type__app_label__in=APPS).select_related("content_type")
    )
    vues = [perm for perm in projet_perms if perm.codename.startswith("view_")]

    def modele_dans(perm, modeles: dict) -> bool:
        return perm.content_type.model in modeles.get(perm.content_type.app_label, ())

    editables = [
        perm
        for perm in projet_perms
        if (
            perm.codename.startswith(("add_", "change_"))
            and modele_dans(perm, MODELES_EDITABLES_PAR_AGENTS)
        )
        or (
            perm.codename.startswith("delete_")
            and modele_dans(perm, MODELES_SUPPRIMABLES_PAR_AGENTS)
        )
    ]
    return {
        ADMINISTRATEURS: projet_perms
        + list(Permission.objects.filter(content_type__app_label="auth")),
        AGENTS: editables + vues,
        ELUS: vues,
    }


def synchroniser_groupes(apps, noms: list[str] | None = None) -> None:
    """Create the groups (all three, or ``noms``) with their default permissions."""
    Group = apps.get_model("auth", "Group")
    for nom, permissions in permissions_par_defaut(apps).items():
        if noms is None or nom in noms:
            groupe, _ = Group.objects.get_or_create(name=nom)
            groupe.permissions.set(permissions)
