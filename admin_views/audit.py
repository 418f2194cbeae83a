"""Read-only audit trail."""

from flask_admin.contrib.peewee.filters import FilterEqual
from flask_babel import lazy_gettext as _l

from models import AuditRecord
from services import audit, permissions

from .base import ReadOnlyModelView

OBJECT_TYPES = {
    "workshop": _l("Workshop"),
    "user": _l("User"),
    "organisation": _l("Organisation"),
    "trainee": _l("Trainee"),
    "plan_change": _l("Plan change"),
    "completion_material": _l("Completion material"),
}


class AuditRecordAdmin(ReadOnlyModelView):
    """Audit records can be read and filtered, never created, edited or deleted here."""

    capability = permissions.VIEW_AUDIT
    scope = staticmethod(permissions.scope_audit)

    column_list = (
        "created_at",
        "actor_name",
        "organisation",
        "action",
        "object_type",
        "object_label",
        "old_status",
        "new_status",
        "reason",
    )
    column_labels = {
        "created_at": _l("Time"),
        "actor_name": _l("User"),
        "organisation": _l("Organisation"),
        "action": _l("Action"),
        "object_type": _l("Object type"),
        "object_label": _l("Object"),
        "object_id": _l("Object id"),
        "old_status": _l("Old status"),
        "new_status": _l("New status"),
        "reason": _l("Reason"),
        "detail": _l("Detail"),
    }
    column_details_list = column_list + ("object_id", "detail")
    column_default_sort = ("created_at", True)
    column_filters = (
        FilterEqual(column=AuditRecord.action, name=_l("Action"), options=lambda: sorted(audit.ACTION_LABELS.items())),
        FilterEqual(column=AuditRecord.object_type, name=_l("Object type"), options=list(OBJECT_TYPES.items())),
    )
    column_searchable_list = ("object_label", "actor_name")
    column_sortable_list = ("created_at",)
    column_formatters = {
        "action": lambda v, c, m, n: audit.describe_action(m.action),
        "old_status": lambda v, c, m, n: audit.describe_status(m.action, m.old_status),
        "new_status": lambda v, c, m, n: audit.describe_status(m.action, m.new_status),
        "object_type": lambda v, c, m, n: OBJECT_TYPES.get(m.object_type, m.object_type),
    }
    column_formatters_detail = column_formatters
