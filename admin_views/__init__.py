"""Flask-Admin set-up: the menu and the views of the back office."""

from pathlib import Path

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from models import AuditRecord, DeclarationYear, Organisation, PlanChange, ProfessionalField, Trainee, User, Workshop

from .audit import AuditRecordAdmin
from .certificates import CertificatePrintView
from .completion import CompletionAdmin
from .completion_materials import CompletionMaterialsView
from .dashboard import DashboardView
from .opening_plans import OpeningPlanAdmin
from .organisations import OrganisationAdmin
from .plan_changes import PlanChangeAdmin
from .reference import DeclarationYearAdmin, ProfessionalFieldAdmin
from .reminders import materials_reminders  # noqa: F401 (registers the dashboard panel)
from .trainee_import import TraineeImportView
from .trainees import TraineeAdmin
from .users import UserAdmin
from .workshops import WorkshopAdmin


def init_admin(app):
    """Create the Admin object with every view; each app gets its own view instances."""
    admin = Admin(
        app,
        name=_l("Zhigeng back office"),
        url="/admin",
        index_view=DashboardView(name=_l("Home"), url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="admin/zhigeng_master.html", fluid=True),
        translations_path=str(Path(__file__).resolve().parent.parent / "translations"),
    )
    workshops = WorkshopAdmin(Workshop, name=_l("Workshops"), endpoint="workshops", category=_l("Workshop declarations"))
    admin.add_view(workshops)
    admin.workshop_view = workshops

    running = _l("Running workshops")
    admin.add_view(OpeningPlanAdmin(Workshop, name=_l("Opening notices and plans"), endpoint="opening_plans", category=running))
    admin.add_view(PlanChangeAdmin(PlanChange, name=_l("Plan changes"), endpoint="plan_changes", category=running))
    admin.add_view(CompletionMaterialsView(name=_l("Completion materials"), endpoint="completion_materials"))

    completion = _l("Completion")
    admin.add_view(CompletionAdmin(Workshop, name=_l("Completion report"), endpoint="completion", category=completion))
    admin.add_view(TraineeAdmin(Trainee, name=_l("Trainee lists"), endpoint="trainees", category=completion))
    admin.add_view(TraineeImportView(name=_l("Import trainees"), endpoint="trainee_import", url="/admin/trainee-import"))
    admin.add_view(
        CertificatePrintView(
            name=_l("Certificate printing"), endpoint="certificates", url="/admin/certificates", category=completion
        )
    )

    system = _l("System")
    admin.add_view(OrganisationAdmin(Organisation, name=_l("Organisations"), endpoint="organisations", category=system))
    admin.add_view(UserAdmin(User, name=_l("Users"), endpoint="users", category=system))
    admin.add_view(ProfessionalFieldAdmin(ProfessionalField, name=_l("Fields"), endpoint="fields", category=system))
    admin.add_view(DeclarationYearAdmin(DeclarationYear, name=_l("Years"), endpoint="years", category=system))
    admin.add_view(AuditRecordAdmin(AuditRecord, name=_l("Audit trail"), endpoint="audit", category=system))
    return admin
