"""Roles, capabilities and row-level scoping: the only module that reads roles."""

from models import (
    MINISTRY,
    PROVINCE,
    UNIT,
    Attachment,
    AuditRecord,
    CertificateStatus,
    CompletionMaterial,
    DeclarationStatus,
    DeclarationYear,
    Organisation,
    PlanChange,
    ProfessionalField,
    Trainee,
    User,
    Workshop,
    WorkshopDocument,
)

# Capability names used by views (``capability`` attribute) and templates.
MANAGE_REFERENCE = "manage_reference"
MANAGE_ORGANISATIONS = "manage_organisations"
MANAGE_USERS = "manage_users"
VIEW_WORKSHOPS = "view_workshops"
VIEW_TRAINEES = "view_trainees"
VIEW_AUDIT = "view_audit"
MANAGE_TRAINEES = "manage_trainees"


def level_of(user) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.organisation.level


def is_platform_admin(user) -> bool:
    return bool(level_of(user)) and bool(user.is_platform_admin)


def is_ministry(user) -> bool:
    return level_of(user) == MINISTRY


def is_province(user) -> bool:
    return level_of(user) == PROVINCE


def is_unit(user) -> bool:
    return level_of(user) == UNIT


def sees_everything(user) -> bool:
    """Ministry staff and platform administrators read every row."""
    return is_ministry(user) or is_platform_admin(user)


def has_capability(user, capability: str) -> bool:
    if level_of(user) is None:
        return False
    if capability == MANAGE_REFERENCE:
        return is_platform_admin(user)
    if capability in (MANAGE_ORGANISATIONS, MANAGE_USERS):
        return is_platform_admin(user) or is_province(user)
    if capability in (VIEW_WORKSHOPS, VIEW_TRAINEES):
        return True
    if capability == VIEW_AUDIT:
        return sees_everything(user) or is_province(user)
    if capability == MANAGE_TRAINEES:
        return is_platform_admin(user) or is_province(user)
    raise ValueError(f"unknown capability {capability!r}")


# Scoping: each returns the query narrowed to the rows the user may read.


def scope_organisations(query, user):
    if sees_everything(user):
        return query
    return query.where(Organisation.path.startswith(user.organisation.path))


def _subtree_ids(user):
    return user.organisation.subtree_ids()


def scope_users(query, user):
    if is_platform_admin(user):
        return query
    if not is_province(user):
        return query.where(User.id == user.id)
    return query.where(User.organisation.in_(_subtree_ids(user)))


def scope_workshops(query, user):
    if sees_everything(user):
        return query
    return query.where(Workshop.organisation.in_(_subtree_ids(user)))


def scope_trainees(query, user):
    if sees_everything(user):
        return query
    workshops = Workshop.select(Workshop.id).where(Workshop.organisation.in_(_subtree_ids(user)))
    return query.where(Trainee.workshop.in_(workshops))


def scope_audit(query, user):
    if sees_everything(user):
        return query
    return query.where(AuditRecord.organisation.in_(_subtree_ids(user)))


def scope_attachments(query, user):
    if sees_everything(user):
        return query
    return query.where(Attachment.organisation.in_(_subtree_ids(user)))


def _workshop_ids(user):
    return Workshop.select(Workshop.id).where(Workshop.organisation.in_(_subtree_ids(user)))


# Documents, plan changes and completion materials follow their workshop's organisation.


def scope_workshop_documents(query, user):
    if sees_everything(user):
        return query
    return query.where(WorkshopDocument.workshop.in_(_workshop_ids(user)))


def scope_plan_changes(query, user):
    if sees_everything(user):
        return query
    return query.where(PlanChange.workshop.in_(_workshop_ids(user)))


def scope_completion_materials(query, user):
    if sees_everything(user):
        return query
    return query.where(CompletionMaterial.workshop.in_(_workshop_ids(user)))


def scope_reference(query, user):
    """Reference data (fields, years) is readable by every signed-in user."""
    return query


_SCOPES = {
    Organisation: scope_organisations,
    User: scope_users,
    Workshop: scope_workshops,
    Trainee: scope_trainees,
    AuditRecord: scope_audit,
    Attachment: scope_attachments,
    WorkshopDocument: scope_workshop_documents,
    PlanChange: scope_plan_changes,
    CompletionMaterial: scope_completion_materials,
    ProfessionalField: scope_reference,
    DeclarationYear: scope_reference,
}


def scope_for_model(model):
    """The scoping function of ``model``; a model without one is an error, never unscoped."""
    return _SCOPES[model]


def in_subtree(user, organisation) -> bool:
    """Whether ``organisation`` is the user's own organisation or below it."""
    if organisation is None or level_of(user) is None:
        return False
    return sees_everything(user) or organisation.path.startswith(user.organisation.path)


def can_view_workshop(user, workshop) -> bool:
    return in_subtree(user, workshop.organisation)


def can_view_attachment(user, attachment) -> bool:
    return in_subtree(user, attachment.organisation)


def can_manage_organisation(user, organisation) -> bool:
    """Edit or deactivate an organisation: administrators, or a province below itself."""
    if is_platform_admin(user):
        return True
    return is_province(user) and organisation.id != user.organisation_id and in_subtree(user, organisation)


def can_add_child_organisation(user, parent) -> bool:
    if parent is None or parent.level >= UNIT:
        return False
    if is_platform_admin(user):
        return True
    return is_province(user) and in_subtree(user, parent)


def can_manage_user(user, target) -> bool:
    """Edit, deactivate or reset the password of ``target``."""
    if is_platform_admin(user):
        return True
    if not is_province(user) or target.is_platform_admin:
        return False
    return in_subtree(user, target.organisation)


def can_place_user_in(user, organisation) -> bool:
    if is_platform_admin(user):
        return True
    return is_province(user) and in_subtree(user, organisation)


def can_print_certificates(user, workshop) -> bool:
    """Batch-print a workshop's certificates: anyone who sees the workshop, once they are issued."""
    return can_view_workshop(user, workshop) and workshop.certificate_status == CertificateStatus.GENERATED


def can_set_certificate_id_display(user, workshop) -> bool:
    """Choose whether certificates print the full ID number: the ministry, which issues them."""
    return is_ministry(user) and can_view_workshop(user, workshop)


# Trainee lists: provinces manage the lists of approved workshops in their
# subtree, platform administrators correct any open list, and whether a list is
# open at all is decided below the views (models.trainees and its triggers).


def can_manage_trainee_lists(user) -> bool:
    """Whether the user manages trainee lists at all (shows add and import buttons)."""
    return has_capability(user, MANAGE_TRAINEES)


def can_manage_trainee_list(user, workshop) -> bool:
    """Import, add, edit and delete trainees of ``workshop`` while its list is open."""
    if workshop is None or workshop.status != DeclarationStatus.APPROVED:
        return False
    if is_platform_admin(user):
        return True
    return is_province(user) and in_subtree(user, workshop.organisation)


def scope_managed_trainee_lists(query, user):
    """Narrow a workshop query to the approved workshops whose lists the user manages."""
    query = query.where(Workshop.status == DeclarationStatus.APPROVED)
    if is_platform_admin(user):
        return query
    if not is_province(user):
        return query.where(Workshop.id == 0)
    return query.where(Workshop.organisation.in_(_subtree_ids(user)))
