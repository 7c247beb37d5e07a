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
        "incidents.view_incident",
        "incidents.change_datalossreport",
        "incidents.change_incidentpolicy",
        "checks.view_checkstate",
        "checks.manage_special_cases",
        "checks.export_evidence",
        "audit.view_audit_log",
        "access.view_criticalsystem",
        "access.change_criticalsystem",
        "access.change_accountmapping",
        # The staff directory (PRODUCT 6): people and the org roles the admin keeps.
        "access.view_staffmember",
        "access.add_staffmember",
        "access.change_staffmember",
        "access.view_orgrole",
        "access.add_orgrole",
        "access.change_orgrole",
        "access.delete_orgrole",
        # Access reviews: start, decide any item, keep in bulk, sign off, set the removal limit.
        "access.view_accessreview",
        "access.add_accessreview",
        "access.change_accessreview",
        # Settings → Users: add, change role, deactivate (never delete), set-password links.
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        # Settings → Notifications: channels to OpsGenie, JSM and PagerDuty, and their logs.
        "notifications.view_channel",
        "notifications.manage_channel",
    ),
    Role.AUDITOR: (
        "integrations.view_connection",
        "incidents.view_incident",
        "checks.view_checkstate",
        "checks.export_evidence",
        "audit.view_audit_log",
        "access.view_criticalsystem",
        "access.view_staffmember",
        "access.view_orgrole",
        "access.view_accessreview",
        "auth.view_user",
        "notifications.view_channel",
    ),
    # Staff hold no access permission: a reviewer among them decides the items assigned to them
    # (the review views check the item's reviewer), and sees nothing else of access.
    Role.STAFF: ("incidents.view_incident", "incidents.change_datalossreport"),
}


def sync_role_groups(apps, schema_editor=None) -> None:  # type: ignore[no-untyped-def]
    """Migration entry point: create the role groups with exactly their permissions."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so groups can use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    _apply(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def sync_role_groups_after_migrate(**kwargs: object) -> None:
    """post_migrate handler: keeps groups right after any migrate, and after the database flush
    of transactional tests (which empties the groups the migration made)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    # post_migrate runs app by app; make sure every app's permissions exist before assigning.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    _apply(Group, Permission)


def _apply(group_model, permission_model) -> None:  # type: ignore[no-untyped-def]
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role.value)
        permissions = []
        for name in names:
            app_label, codename = name.split(".")
            permissions.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)
