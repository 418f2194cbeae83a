"""The attack world: two provinces with two units each, every role, and rows of every kind per unit."""

import random
from dataclasses import dataclass, field

import pytest

from models import ALL_MODELS, DeclarationStatus, Organisation, User
from services import audit
from services.demo import synthetic_id_number
from tests.certificates.conftest import (  # noqa: F401 - fixtures shared with the certificate tests
    issue_certificate,
    make_issued_workshop,
)

S = DeclarationStatus
WORKSHOP_STATUSES = [S.DRAFT, S.INITIAL_SUBMITTED, S.INITIAL_APPROVED, S.MINISTRY_SUBMITTED, S.APPROVED]
ROWS_PER_KIND = 5


@dataclass
class World:
    organisations: dict
    users: dict
    # model class -> list of (row, marker text that identifies it on a page)
    rows: dict = field(default_factory=dict)

    def add(self, row, marker):
        self.rows.setdefault(type(row), []).append((row, marker))

    def foreign_rows(self, user, model):
        """Rows of ``model`` owned outside the user's subtree and not by one of its ancestors."""
        return [(row, marker) for row, marker in self.rows.get(model, []) if is_foreign(user, owner_of(row))]

    def own_rows(self, user, model):
        """Rows of ``model`` owned by the user's organisation or one below it."""
        prefix = user.organisation.path
        return [(row, marker) for row, marker in self.rows.get(model, []) if owner_of(row).path.startswith(prefix)]

    def foreign_markers(self, user):
        return [marker for model in self.rows for _row, marker in self.foreign_rows(user, model)]


def owner_of(row):
    """The organisation whose subtree owns ``row``; the sweep refuses models it cannot place."""
    from models import Attachment, AuditRecord, CompletionMaterial, PlanChange, Trainee, Workshop, WorkshopDocument

    if isinstance(row, Organisation):
        return row
    if isinstance(row, (User, Workshop, Attachment, AuditRecord)):
        return row.organisation
    if isinstance(row, (Trainee, WorkshopDocument, PlanChange, CompletionMaterial)):
        return row.workshop.organisation
    raise LookupError(f"no owner rule for {type(row).__name__}")


def _issue_certificate(workshop, trainee, code):
    """Mark the trainee's certificate issued, so that printing and public look-ups have something to find."""
    import datetime
    import secrets

    from models import CertificateStatus, Trainee, Workshop

    Trainee.update(
        certificate_number=f"ZS2026{code}{trainee.id:05d}",
        certificate_issued_on=datetime.date(2026, 9, 30),
        verify_token=secrets.token_urlsafe(24),
    ).where(Trainee.id == trainee.id).execute()
    Workshop.update(certificate_status=CertificateStatus.GENERATED).where(Workshop.id == workshop.id).execute()


def _after_approval_rows(world, workshop, province_user, code):
    """Opening documents, a plan change and a completion material of an approved workshop."""
    import io

    from werkzeug.datastructures import FileStorage

    from models import CompletionMaterial, PlanChange, WorkshopDocument
    from services import completion_materials, opening_plans, plan_changes
    from tests.materials.conftest import docx_bytes

    def upload(name):
        return FileStorage(stream=io.BytesIO(docx_bytes(name)), filename=f"{name}.docx")

    opening_plans.submit_opening_documents(province_user, workshop.id, upload(f"开班通知{code}"), upload(f"实施方案{code}"))
    for document in WorkshopDocument.select().where(WorkshopDocument.workshop == workshop):
        world.add(document, document.attachment.original_name)
    values = dict.fromkeys(plan_changes.FORM_FIELDS, "")
    values.update(new_place=f"新地点{code}", reason=f"变化理由{code}", new_start_date=None, new_end_date=None)
    change = plan_changes.file_plan_change(province_user, workshop.id, values, upload(f"变化申请{code}"))
    world.add(PlanChange.get_by_id(change.id), f"新地点{code}")
    material = completion_materials.upload_material(province_user, workshop.id, "summary_report", upload(f"总结报告{code}"))
    world.add(CompletionMaterial.get_by_id(material.id), f"总结报告{code}.docx")


def is_foreign(user, organisation):
    own = user.organisation
    in_subtree = organisation.path.startswith(own.path)
    is_ancestor = own.path.startswith(organisation.path)
    return not (in_subtree or is_ancestor)


@pytest.fixture
def world(org_tree, make_user, make_workshop, make_attachment, make_trainee):
    """Every kind of row, ROWS_PER_KIND per unit and province, each with a unique marker."""
    rng = random.Random(7)
    organisations = {key: org_tree[key] for key in ("ministry", "prov_a", "prov_b", "unit_a1", "unit_a2", "unit_b1", "unit_b2")}
    users = {key.removeprefix("user_"): org_tree[key] for key in org_tree if key.startswith("user_")}
    users["admin"] = org_tree["admin"]
    users["deactivated"] = make_user(org_tree["unit_a1"], username="gone-a1", is_active=False)
    world = World(organisations, users)
    for organisation in organisations.values():
        world.add(organisation, organisation.name)
    for user in users.values():
        world.add(user, user.username)

    for key in ("prov_a", "prov_b", "unit_a1", "unit_a2", "unit_b1", "unit_b2"):
        organisation = organisations[key]
        code = key.replace("unit_", "").replace("prov_", "P").upper()
        actor = users[key]
        for index, status in enumerate(WORKSHOP_STATUSES):
            attachment = make_attachment(organisation, filename=f"附件{code}{index}.zip")
            world.add(attachment, attachment.original_name)
            workshop = make_workshop(organisation, status=status, name=f"高研班{code}{index}", attachment=attachment)
            world.add(workshop, workshop.name)
            world.add(audit.record(actor, "edit", workshop, status, status), workshop.name)
            trainee = make_trainee(workshop, synthetic_id_number(rng), name=f"学员{code}{index}")
            world.add(trainee, trainee.name)
            if status == S.APPROVED:
                province = users["prov_a"] if key in ("prov_a", "unit_a1", "unit_a2") else users["prov_b"]
                _after_approval_rows(world, workshop, province, code)
                _issue_certificate(workshop, trainee, code)
    return world


def snapshot():
    """Every row of every table, for comparing before and after an attack."""
    state = {}
    for model in ALL_MODELS:
        rows = []
        for row in model.select().order_by(model.id).dicts():
            row.pop("last_login_at", None)
            rows.append(row)
        state[model.__name__] = rows
    return state


def changed_rows(before, after):
    """Rows added, removed or changed between two snapshots."""
    count = 0
    for table, rows in before.items():
        old = {row["id"]: row for row in rows}
        new = {row["id"]: row for row in after[table]}
        count += len(old.keys() ^ new.keys())
        count += sum(1 for key in old.keys() & new.keys() if old[key] != new[key])
    return count
