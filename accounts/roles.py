"""The three roles of PRODUCT.md section 1, as Django groups with permissions.

Views check permissions (never group names), so a role is exactly its permission list here.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "Compliance admin"
    AUDITOR = "Auditor"
    STAFF = "Staff"


# Short names accepted on the command line.
ROLE_ALIASES = {"admin": Role.ADMIN, "auditor": Role.AUDITOR, "staff": Role.STAFF}

# "app_label.codename" for every permission a role has. A new permission is added here and
# applied by a new migration calling ``sync_role_groups`` (see accounts/migrations/0001).
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: (
        "integrations.view_connection",
        "integrations.manage_connection",
    ),
    Role.AUDITOR: ("integrations.view_connection",),
    Role.STAFF: (),
}


def sync_role_groups(apps, schema_editor=None) -> None:  # type: ignore[no-untyped-def]
    """Create the role groups and give each exactly its permissions (idempotent)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so groups can use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role.value)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)
