"""Files and requests after a workshop's approval: versioned documents, plan changes, completion materials."""

import datetime

import peewee
from flask_babel import lazy_gettext as _l

from .attachments import Attachment
from .db import BaseModel
from .users import User
from .workshops import ReviewStatus, Workshop


class DocumentKind:
    """Kinds of workshop documents. Each upload adds a version; earlier versions stay."""

    OPENING_NOTICE = "opening_notice"
    IMPLEMENTATION_PLAN = "implementation_plan"
    SUMMARY_REPORT = "summary_report"
    EXPENSE_SETTLEMENT = "expense_settlement"
    SATISFACTION_SURVEY = "satisfaction_survey"
    EVALUATION_STATISTICS = "evaluation_statistics"
    # The opening notice as issued, filed again with a self-funded workshop's completion materials.
    FINAL_OPENING_NOTICE = "final_opening_notice"
    SIGN_IN_SHEET = "sign_in_sheet"
    SIGN_IN_EXPLANATION = "sign_in_explanation"

    LABELS = {
        OPENING_NOTICE: _l("Opening notice"),
        IMPLEMENTATION_PLAN: _l("Implementation plan"),
        SUMMARY_REPORT: _l("Summary report"),
        EXPENSE_SETTLEMENT: _l("Expense settlement"),
        SATISFACTION_SURVEY: _l("Satisfaction survey"),
        EVALUATION_STATISTICS: _l("Evaluation statistics"),
        FINAL_OPENING_NOTICE: _l("Opening notice"),
        SIGN_IN_SHEET: _l("Sign-in sheets"),
        SIGN_IN_EXPLANATION: _l("Written explanation (no sign-in sheets)"),
    }


class WorkshopDocument(BaseModel):
    """One uploaded version of a workshop document; a new upload adds a row with the next version."""

    workshop = peewee.ForeignKeyField(Workshop, backref="documents", on_delete="RESTRICT")
    kind = peewee.CharField(max_length=32)
    version = peewee.IntegerField()
    attachment = peewee.ForeignKeyField(Attachment, unique=True, on_delete="RESTRICT")
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    uploaded_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = ((("workshop", "kind", "version"), True),)

    def __str__(self):
        return f"{self.kind_label} v{self.version}"

    @property
    def kind_label(self):
        return DocumentKind.LABELS.get(self.kind, self.kind)


class PlanChangeStatus:
    # A request exists in this status only inside the transaction that files it.
    NEW = "new"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    LABELS = {
        NEW: _l("New"),
        PENDING: _l("Awaiting review"),
        APPROVED: _l("Approved"),
        REJECTED: _l("Rejected"),
    }


class PlanChange(BaseModel):
    """A request to change an approved workshop's dates, place or host unit, or another part of its plan.

    A ``new_*`` column left empty keeps the workshop's value. ``other_changes``
    describes changes that have no column. The ``old_*`` columns record the
    workshop's values when the request was filed.
    """

    workshop = peewee.ForeignKeyField(Workshop, backref="plan_changes", on_delete="RESTRICT")
    new_start_date = peewee.DateField(null=True)
    new_end_date = peewee.DateField(null=True)
    new_place = peewee.CharField(max_length=100, default="")
    new_host_unit = peewee.CharField(max_length=100, default="")
    other_changes = peewee.TextField(default="")
    old_start_date = peewee.DateField(null=True)
    old_end_date = peewee.DateField(null=True)
    old_place = peewee.CharField(max_length=100, default="")
    old_host_unit = peewee.CharField(max_length=100, default="")
    reason = peewee.TextField()
    application = peewee.ForeignKeyField(Attachment, on_delete="RESTRICT")
    status = peewee.CharField(max_length=16, default=PlanChangeStatus.NEW, index=True)
    review_reason = peewee.TextField(default="")
    version = peewee.IntegerField(default=1)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=datetime.datetime.now)
    updated_at = peewee.DateTimeField(default=datetime.datetime.now)

    def __str__(self):
        return f"{self.workshop.name}（{self.created_at:%Y-%m-%d}）"

    @property
    def status_label(self):
        return PlanChangeStatus.LABELS.get(self.status, self.status)

    def audit_identity(self):
        """Object type, id, label and workshop id for audit records."""
        return "plan_change", self.id, self.workshop.name, self.workshop_id


class MaterialKind:
    """Completion materials (结业材料). Every workshop needs ``BASE``; a self-funded one also ``SELF_FUNDED``."""

    SUMMARY_REPORT = "summary_report"
    EXPENSE_SETTLEMENT = "expense_settlement"
    SATISFACTION_SURVEY = "satisfaction_survey"
    EVALUATION_STATISTICS = "evaluation_statistics"
    OPENING_NOTICE = "opening_notice"
    # Filled by sign-in sheets or, for an online workshop without them, a written explanation.
    SIGN_IN = "sign_in"

    BASE = (SUMMARY_REPORT, EXPENSE_SETTLEMENT, SATISFACTION_SURVEY)
    SELF_FUNDED = (EVALUATION_STATISTICS, OPENING_NOTICE, SIGN_IN)

    LABELS = {
        SUMMARY_REPORT: _l("Summary report"),
        EXPENSE_SETTLEMENT: _l("Expense settlement"),
        SATISFACTION_SURVEY: _l("Satisfaction survey"),
        EVALUATION_STATISTICS: _l("Evaluation statistics"),
        OPENING_NOTICE: _l("Opening notice"),
        SIGN_IN: _l("Sign-in sheets"),
    }
    # The document kinds that may fill each material.
    DOCUMENT_KINDS = {
        SUMMARY_REPORT: (DocumentKind.SUMMARY_REPORT,),
        EXPENSE_SETTLEMENT: (DocumentKind.EXPENSE_SETTLEMENT,),
        SATISFACTION_SURVEY: (DocumentKind.SATISFACTION_SURVEY,),
        EVALUATION_STATISTICS: (DocumentKind.EVALUATION_STATISTICS,),
        OPENING_NOTICE: (DocumentKind.FINAL_OPENING_NOTICE,),
        SIGN_IN: (DocumentKind.SIGN_IN_SHEET, DocumentKind.SIGN_IN_EXPLANATION),
    }

    @classmethod
    def required_for(cls, workshop) -> tuple:
        return cls.BASE + cls.SELF_FUNDED if workshop.self_funded else cls.BASE


class CompletionMaterial(BaseModel):
    """The review status of one completion material of a workshop and the version under review.

    The row is created by the first upload; a material without a row is 未上报.
    ``version`` counts uploads, so a review names the file the reviewer saw.
    """

    workshop = peewee.ForeignKeyField(Workshop, backref="completion_materials", on_delete="RESTRICT")
    kind = peewee.CharField(max_length=32)
    status = peewee.CharField(max_length=16, default=ReviewStatus.NOT_REPORTED, index=True)
    document = peewee.ForeignKeyField(WorkshopDocument, null=True, on_delete="RESTRICT")
    review_reason = peewee.TextField(default="")
    version = peewee.IntegerField(default=0)
    updated_at = peewee.DateTimeField(default=datetime.datetime.now)

    class Meta:
        indexes = ((("workshop", "kind"), True),)

    def __str__(self):
        return f"{self.workshop.name}：{self.kind_label}"

    @property
    def kind_label(self):
        return MaterialKind.LABELS.get(self.kind, self.kind)

    @property
    def status_label(self):
        return ReviewStatus.LABELS.get(self.status, self.status)

    def audit_identity(self):
        """Object type, id, label and workshop id for audit records."""
        return "completion_material", self.id, f"{self.workshop.name}：{self.kind_label}", self.workshop_id
