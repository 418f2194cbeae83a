"""Creating organisations and accounts outside the admin forms (CLI, demo data, tests)."""

import logging

from flask_babel import gettext as _

from models import MINISTRY, Organisation, User, db

from .auth import check_password_strength, hash_password
from .errors import ValidationFailed

logger = logging.getLogger(__name__)

ROOT_NAME = "人力资源社会保障部专业技术人员管理司"


def create_organisation(name, code, parent=None, **fields) -> Organisation:
    """Insert an organisation under ``parent`` (the root when None) and set its path and level."""
    if parent is not None and parent.level >= 3:
        raise ValidationFailed(_("Units cannot have subordinate organisations."))
    with db.atomic():
        organisation = Organisation.create(
            name=name, code=code, parent=parent, level=(parent.level + 1) if parent else MINISTRY, **fields
        )
        organisation.refresh_path()
    return organisation


def create_user(username, display_name, organisation, password, **fields) -> User:
    return User.create(
        username=username,
        display_name=display_name,
        organisation=organisation,
        password_hash=hash_password(password),
        **fields,
    )


def ministry_root() -> Organisation:
    root = Organisation.select().where(Organisation.level == MINISTRY).order_by(Organisation.id).first()
    if root is None:
        root = create_organisation(ROOT_NAME, "MOHRSS-ZJS")
    return root


def create_platform_admin(username, display_name, password) -> User:
    check_password_strength(password)
    if User.select().where(User.username == username).exists():
        raise ValidationFailed(_("The username %(name)s is already taken.", name=username))
    user = create_user(username, display_name, ministry_root(), password, is_platform_admin=True)
    logger.info("Platform administrator %s created", user.id)
    return user
