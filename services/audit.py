"""Writing audit records."""

import logging

from flask_babel import lazy_gettext as _l

from models import AuditRecord, DeclarationStatus, Organisation, Trainee, User, Workshop

logger = logging.getLogger(__name__)

# Labels of audit actions. The workflow registers one per transition.
ACTION_LABELS = {
    "create": _l("Declaration created"),
    "edit": _l("Declaration edited"),
    "delete": _l("Draft deleted"),
    "password_reset": _l("Password reset"),
    "password_change": _l("Password changed"),
    "import_trainees": _l("Trainee list imported"),
    "add_trainee": _l("Trainee added"),
    "edit_trainee": _l("Trainee edited"),
    "delete_trainee": _l("Trainee deleted"),
    "issue_certificates": _l("Certificate numbers issued"),
    "certificate_print": _l("Certificates printed"),
    "certificate_id_display": _l("ID number display on certificates changed"),
}
# Status labels per action, for actions that move a status other than the declaration's.
ACTION_STATUS_LABELS: dict[str, dict] = {}


def register_action(action: str, label, status_labels: dict | None = None) -> None:
    """Name an audit action (and the labels of the statuses it moves) for the timeline and the audit list."""
    ACTION_LABELS[action] = label
    if status_labels is not None:
        ACTION_STATUS_LABELS[action] = status_labels


def describe_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def describe_status(action: str, code: str) -> str:
    if not code:
        return ""
    return str(ACTION_STATUS_LABELS.get(action, DeclarationStatus.LABELS).get(code, code))


def _describe(obj):
    if isinstance(obj, Workshop):
        return "workshop", obj.id, obj.name, obj.id
    if isinstance(obj, User):
        return "user", obj.id, obj.username, None
    if isinstance(obj, Organisation):
        return "organisation", obj.id, obj.name, None
    if isinstance(obj, Trainee):
        return "trainee", obj.id, obj.name, obj.workshop_id
    # Models of later features describe themselves: (type, id, label, workshop id).
    if hasattr(obj, "audit_identity"):
        return obj.audit_identity()
    raise TypeError(f"cannot audit {type(obj).__name__}")


def record(actor, action: str, obj, old_status: str = "", new_status: str = "", reason: str = "", detail: str = ""):
    """Append one audit record; call it inside the transaction of the change."""
    object_type, object_id, label, workshop_id = _describe(obj)
    entry = AuditRecord.create(
        actor=actor.id if actor else None,
        actor_name=str(actor) if actor else "",
        organisation=actor.organisation_id if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=label[:255],
        workshop_id=workshop_id,
        old_status=old_status,
        new_status=new_status,
        reason=reason,
        detail=detail,
    )
    logger.info(
        "Audit %s: user %s %s %s %s (%s -> %s)",
        entry.id,
        actor.id if actor else "-",
        action,
        object_type,
        object_id,
        old_status,
        new_status,
    )
    return entry
