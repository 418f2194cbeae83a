"""Dashboard reminders: opening notices missing before the start, completion materials overdue."""

import datetime

from flask import current_app

from services import permissions, reminders

from .dashboard import register_panel

# Rows listed per reminder; the panel gives the full count.
SHOWN = 10


@register_panel
def materials_reminders(user):
    """Build the reminder panel, or return None when nothing is missing in the user's subtree."""
    today = datetime.date.today()
    days = current_app.config["COMPLETION_REMINDER_DAYS"]
    notices = reminders.opening_notice_missing(user, today)
    completion = reminders.completion_materials_missing(user, today, days)
    notice_count, completion_count = notices.count(), completion.count()
    if not notice_count and not completion_count:
        return None
    return {
        "template": "admin/reviews/reminders_panel.html",
        "notice_count": notice_count,
        "notices": list(notices.limit(SHOWN)),
        "completion_count": completion_count,
        "completion": list(completion.limit(SHOWN)),
        "completion_days": days,
        "today": today,
    }


@register_panel
def review_queue(user):
    """Build the panel of what awaits the ministry's review; return None for other users and an empty queue."""
    if not permissions.is_ministry(user):
        return None
    queues = reminders.awaiting_review(user)
    counts = {name: query.count() for name, query in queues.items()}
    if not any(counts.values()):
        return None
    return {
        "template": "admin/reviews/review_queue_panel.html",
        "counts": counts,
        "material_workshops": list(queues["materials"].limit(SHOWN)),
    }
