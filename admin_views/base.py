"""Base model view that applies login, capabilities and the subtree rule on every path."""

import datetime
import decimal
import io
import logging

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.babel import gettext as admin_gettext
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.ajax import QueryAjaxModelLoader
from flask_admin.model import typefmt
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from peewee import IntegrityError

from models import db
from services import permissions
from services.errors import DomainError

logger = logging.getLogger(__name__)

# Bounded pagination count: past this many rows the list shows "more than N".
COUNT_LIMIT = 10000
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Make user text safe for a spreadsheet: text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _bool_formatter(view, value, name):
    return _("Yes") if value else _("No")


def _datetime_formatter(view, value, name):
    return value.strftime("%Y-%m-%d %H:%M")


def _date_formatter(view, value, name):
    return value.strftime("%Y-%m-%d")


TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS)
TYPE_FORMATTERS.update({bool: _bool_formatter, datetime.datetime: _datetime_formatter, datetime.date: _date_formatter})
EXPORT_FORMATTERS = dict(typefmt.EXPORT_FORMATTERS)
EXPORT_FORMATTERS.update(TYPE_FORMATTERS)


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """AJAX look-up that reads only rows in the user's scope, with a capped page size."""

    MAX_LIMIT = 20

    def __init__(self, name, model, scope, **options):
        super().__init__(name, model, **options)
        self.scope = scope

    def _query(self):
        return self.scope(self.model.select(), current_user)

    def get_one(self, pk):
        try:
            return self._query().where(self.model.id == int(pk)).first()
        except (TypeError, ValueError):
            return None

    def get_list(self, term, offset=0, limit=10):
        query = self._query()
        term = (term or "").strip()
        if term:
            condition = None
            for field in self._cached_fields:
                # peewee's contains() escapes % and _ in the term.
                clause = field.contains(term)
                condition = clause if condition is None else condition | clause
            query = query.where(condition)
        limit = max(1, min(int(limit or 10), self.MAX_LIMIT))
        return list(query.order_by(self.model.id).offset(max(int(offset or 0), 0)).limit(limit))


class SecureModelView(ModelView):
    """Every admin model view derives from this class.

    Subclasses set ``capability`` (a name from ``services.permissions``) and
    ``scope`` (a function narrowing a query to the user's rows). Listing,
    counting, export, details, edit, delete, actions and AJAX look-ups all read
    through ``get_query``, so a row outside the scope is never found.
    """

    capability: str | None = None
    scope = None

    can_delete = False
    can_view_details = True
    can_set_page_size = True
    page_size = 20
    page_size_options = (20, 50, 100)
    can_export = False
    export_types = ["xlsx"]
    export_max_rows = 200000
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_export = EXPORT_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    list_template = "admin/zhigeng/list.html"
    details_template = "admin/zhigeng/details.html"
    create_template = "admin/zhigeng/create.html"
    edit_template = "admin/zhigeng/edit.html"

    def render(self, template, **kwargs):
        kwargs.setdefault("count_limit", COUNT_LIMIT)
        return super().render(template, **kwargs)

    def search_placeholder(self):
        labels = [str(self.column_labels.get(name, name)) for name in self.column_searchable_list or ()]
        return _("Search: %(columns)s", columns="、".join(labels)) if labels else None

    # Access

    def is_accessible(self):
        if not current_user.is_authenticated:
            return False
        if self.capability is None:
            raise RuntimeError(f"{type(self).__name__} declares no capability")
        return permissions.has_capability(current_user, self.capability)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        logger.warning("User %s denied access to view %s", current_user.id, self.endpoint)
        abort(403)

    # Scoping

    def get_query(self):
        return self.scope(self.model.select(), current_user)

    def get_one(self, id):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        row = self.get_query().where(self.model.id == pk).first()
        if row is None:
            logger.warning("User %s asked for %s %s outside scope or missing", current_user.id, self.endpoint, pk)
        return row

    def get_scoped_ids(self, ids):
        """Turn raw ids from an action form into rows inside the user's scope."""
        clean = []
        for value in ids:
            try:
                clean.append(int(value))
            except (TypeError, ValueError):
                continue
        if not clean:
            return []
        return list(self.get_query().where(self.model.id.in_(clean)))

    def _create_ajax_loader(self, name, options):
        remote = getattr(self.model, name).rel_model
        return ScopedAjaxLoader(name, remote, permissions.scope_for_model(remote), **options)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """List scoped rows with search, filters, sorting and a bounded count.

        The count stops at COUNT_LIMIT + 1 rows, so huge tables do not pay for a
        full COUNT(*). Search terms match literally because peewee escapes LIKE
        wildcards in contains().
        """
        query = self.get_query()
        joins = set()
        if self._search_supported and search:
            for term in search.split():
                condition = None
                for field in self._search_fields:
                    query = self._handle_join(query, field, joins)
                    clause = field.contains(term)
                    condition = clause if condition is None else condition | clause
                query = query.where(condition)
        for index, _name, value in filters or ():
            flt = self._filters[index]
            query = self._handle_join(query, flt.column, joins)
            query = flt.apply(query, flt.clean(value))

        count = None
        if not self.simple_list_pager:
            count = query.order_by().select(self.model.id).limit(COUNT_LIMIT + 1).count()

        if sort_column is not None:
            order = [(self._sortable_columns[sort_column], sort_desc)]
        else:
            order = self._get_default_order()
        if order:
            query, joins = self._order_by(query, joins, order)
        if page_size is None:
            page_size = self.page_size
        if page_size:
            query = query.limit(page_size)
            if page:
                query = query.offset(page * page_size)
        return count, (list(query) if execute else query)

    # Errors

    def handle_view_exception(self, exc):
        if isinstance(exc, DomainError):
            flash(exc.message, "error")
            return True
        if isinstance(exc, IntegrityError):
            logger.warning("Integrity error in %s: %s", self.endpoint, type(exc).__name__)
            flash(_("The record conflicts with existing data (a duplicate or a reference). Nothing was saved."), "error")
            return True
        if super().handle_view_exception(exc):
            return True
        logger.exception("Unexpected error in %s", self.endpoint)
        flash(_("The operation failed because of an internal error. Nothing was changed."), "error")
        return True

    # Saving and deleting

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        """Flask-Admin's in-list edit, but a refusal is a client error: 404 for a row
        outside the user's scope, 400 for a value or change refused, never 500."""
        response = super().ajax_update()
        if isinstance(response, tuple) and response[1] == 500:
            message = response[0]
            return message, 404 if message == admin_gettext("Record does not exist.") else 400
        return response

    def update_model(self, form, model):
        with db.atomic():
            return super().update_model(form, model)

    def create_model(self, form):
        with db.atomic():
            return super().create_model(form)

    def check_delete(self, model):
        """Raise DomainError when ``model`` may not be deleted by the current user."""

    def delete_model(self, model):
        try:
            with db.atomic():
                self.check_delete(model)
                for condition, foreign_key in model.dependencies():
                    if foreign_key.model.select().where(condition).exists():
                        raise DomainError(
                            _(
                                "%(name)s is still referenced by other records and cannot be deleted. Deactivate it instead.",
                                name=str(model),
                            )
                        )
                self.on_model_delete(model)
                model.delete_instance()
        except Exception as ex:
            self.handle_view_exception(ex)
            return False
        self.after_model_delete(model)
        logger.info("User %s deleted %s %s", current_user.id, self.endpoint, model.id)
        return True

    @action("delete", _l("Delete"), _l("Delete the selected records?"))
    def action_delete(self, ids):
        rows = self.get_scoped_ids(ids)
        deleted = sum(1 for row in rows if self.delete_model(row))
        skipped = len(ids) - deleted
        if deleted:
            flash(ngettext("%(num)d record deleted.", "%(num)d records deleted.", deleted), "success")
        if skipped:
            flash(ngettext("%(num)d record skipped.", "%(num)d records skipped.", skipped), "warning")

    # Export

    def export_headers(self):
        return [str(label) for _, label in self._export_columns]

    def export_row(self, row):
        return [self.get_export_value(row, name) for name, _ in self._export_columns]

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Export the filtered, scoped list to .xlsx with formula-like text neutralised."""
        if not self.can_export or export_type != "xlsx":
            flash(admin_gettext("Permission denied."), "error")
            return redirect(self.get_url(".index_view"))
        _, rows = self._export_data()

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=str(self.name)[:31])
        sheet.append(self.export_headers())
        for row in rows:
            cells = []
            for value in self.export_row(row):
                if isinstance(value, Markup):
                    value = str(value.striptags())
                elif isinstance(value, decimal.Decimal):
                    value = float(value)
                elif not isinstance(value, (str, int, float, datetime.date, type(None))):
                    value = str(value)
                cell = WriteOnlyCell(sheet, value=neutralise_cell(value))
                if isinstance(value, str):
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)

        # The finished workbook is compressed and small next to the rows it came from.
        handle = io.BytesIO()
        workbook.save(handle)
        handle.seek(0)
        logger.info("User %s exported %s", current_user.id, self.endpoint)
        filename = f"{self.name}-{datetime.date.today():%Y%m%d}.xlsx"
        return send_file(
            handle,
            as_attachment=True,
            download_name=filename,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


def escaped(text) -> Markup:
    """Escape user text for a formatter that returns HTML."""
    return escape(text if text is not None else "")


class ReadOnlyModelView(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
