"""The roles of the product, as Django groups with permissions.

The groups are created by a data migration (projet_social/migrations) and kept in step by
``synchroniser_groupes``, which the migration calls and later migrations may call again when
models are added.
"""

ADMINISTRATEURS = "Administrateurs"
AGENTS = "Agents CCAS"
ELUS = "Élus"

APPS = ("axes", "actions", "evaluations")

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


def synchroniser_groupes(apps) -> None:
    """Create the three groups and give them their permissions; safe to run again."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    projet_perms = Permission.objects.filter(content_type__app_label__in=APPS)
    admin, _ = Group.objects.get_or_create(name=ADMINISTRATEURS)
    admin.permissions.set(
        list(projet_perms) + list(Permission.objects.filter(content_type__app_label="auth"))
    )

    agents, _ = Group.objects.get_or_create(name=AGENTS)
    editables = [
        perm
        for perm in projet_perms.select_related("content_type")
        if (
            perm.codename.startswith(("add_", "change_"))
            and perm.content_type.model
            in MODELES_EDITABLES_PAR_AGENTS.get(perm.content_type.app_label, ())
        )
        or (
            perm.codename.startswith("delete_")
            and perm.content_type.model
            in MODELES_SUPPRIMABLES_PAR_AGENTS.get(perm.content_type.app_label, ())
        )
    ]
    agents.permissions.set(editables + list(projet_perms.filter(codename__startswith="view_")))

    elus, _ = Group.objects.get_or_create(name=ELUS)
    elus.permissions.set(projet_perms.filter(codename__startswith="view_"))
