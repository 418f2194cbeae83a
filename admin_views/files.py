"""Download route for stored attachments, checked against the row-level rule."""

import logging

from flask import Blueprint, abort
from flask_login import current_user, login_required

from models import Attachment
from services import permissions, storage

logger = logging.getLogger(__name__)

bp = Blueprint("files", __name__)


@bp.route("/files/<int:attachment_id>")
@login_required
def download(attachment_id):
    query = permissions.scope_attachments(Attachment.select(), current_user)
    attachment = query.where(Attachment.id == attachment_id).first()
    if attachment is None:
        logger.warning("User %s refused attachment %s", current_user.id, attachment_id)
        abort(404)
    return storage.send_attachment(attachment)
