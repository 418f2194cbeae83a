"""Certificate search (证书查询), certificate pages with 打印证书, and verification (证书验证)."""

import io
import logging
import re

from flask import abort, current_app, g, render_template, request, send_file, session
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from services import captcha, certificate_lookup, certificates
from services.rate_limits import limited

from . import bp
from .forms import SearchForm, VerifyForm

logger = logging.getLogger(__name__)


def _client() -> str:
    return request.remote_addr or ""


@bp.after_request
def no_store(response):
    """Search results and certificates are personal data: browsers and proxies must not keep them."""
    if request.endpoint != "public.favicon":
        response.headers["Cache-Control"] = "no-store"
    return response


def _needs_captcha() -> bool:
    """Return whether this request's address must solve a captcha, reading the storage once per request."""
    if "needs_captcha" not in g:
        g.needs_captcha = captcha.captcha_required(_client())
    return g.needs_captcha


def _captcha_passes(form) -> bool:
    """Check the captcha when this address must solve one. A wrong code becomes a form error."""
    if not _needs_captcha():
        return True
    if captcha.check_answer(session.pop("captcha_id", None), form.captcha.data):
        return True
    form.captcha.errors = [_("The verification code is wrong. Enter the characters in the new picture.")]
    return False


# Markers in the cached search page, replaced per response (see _search_page).
_CSRF_MARK = "\x00csrf-token\x00"
_RESULTS_MARK = "\x00results\x00"


def _page_shell(searched: bool) -> str:
    """Render the search page once per process, with markers for the CSRF token and the results."""
    cache = current_app.extensions.setdefault("zhigeng_search_page", {})
    if searched not in cache:
        cache[searched] = render_template(
            "public/index.html",
            form=SearchForm(formdata=None),
            results_html=Markup(_RESULTS_MARK),
            searched=searched,
            needs_captcha=False,
            csrf_value=_CSRF_MARK,
        )
    return cache[searched]


# Markers in the cached result item: the workshop, number and date as \x00name\x00,
# the link token as a plain word because url_for quotes the NUL character.
_ITEM_MARK = re.compile("\x00(workshop|number|issued)\x00|ZGLINKTOKEN")


def _shell(key, template: str, **context) -> str:
    """Render a template once per process and key, without context processors (it needs no user or session)."""
    cache = current_app.extensions.setdefault("zhigeng_search_page", {})
    if key not in cache:
        cache[key] = current_app.jinja_env.get_template(template).render(**context)
    return cache[key]


def _result_item(certificate, token: str) -> str:
    """Return the list item of one found certificate: the cached item with its values put in, escaped."""
    shell = _shell(
        ("item", certificate.revoked),
        "public/_result_item.html",
        workshop=Markup("\x00workshop\x00"),
        number=Markup("\x00number\x00"),
        issued=Markup("\x00issued\x00"),
        revoked=certificate.revoked,
        token="ZGLINKTOKEN",
    )
    values = {
        "workshop": str(escape(certificate.workshop)),
        "number": str(escape(certificate.number)),
        "issued": certificate.issued_on.strftime("%Y-%m-%d"),
        None: str(escape(token)),
    }
    return _ITEM_MARK.sub(lambda match: values[match.group(1)], shell)


def _results_html(results) -> str:
    """Render the results card from cached parts.

    Rendering the card's template for each search took a quarter of a search
    that found something. The card without results ("no certificate found")
    is the same for everybody.
    """
    if not results:
        return _shell("empty", "public/_results.html", found=False)
    card = _shell("found", "public/_results.html", found=True, items_html=Markup(_RESULTS_MARK))
    return card.replace(_RESULTS_MARK, "".join(_result_item(certificate, token) for certificate, token in results))


def _search_page(form, results=None, searched=False, status=200):
    """Render the search page.

    A page with no form errors and no captcha is the cached page with this
    session's CSRF token and the results filled in. Rendering the whole
    template took most of a search request's time, and every miss gives the
    same page byte for byte.
    """
    if not form.errors and not _needs_captcha():
        page = _page_shell(searched).replace(_CSRF_MARK, generate_csrf())
        return page.replace(_RESULTS_MARK, _results_html(results) if searched else ""), status
    return (
        render_template(
            "public/index.html",
            form=form,
            results_html=Markup(_results_html(results)) if searched else "",
            searched=searched,
            needs_captcha=_needs_captcha(),
            csrf_value=generate_csrf(),
        ),
        status,
    )


@bp.route("/", methods=["GET"])
def index():
    return _search_page(SearchForm())


@bp.route("/", methods=["POST"])
@limited("SEARCH_RATE_LIMIT", "public-search")
def search():
    # CSRFProtect has just checked the posted token, so the response page reuses
    # it instead of signing a new one (Flask-WTF's generate_csrf returns g.csrf_token).
    g.csrf_token = request.form.get("csrf_token")
    form = SearchForm()
    if not form.validate_on_submit() or not _captcha_passes(form):
        return _search_page(form)

    found = certificate_lookup.find_certificates(form.name.data, form.id_number.data)
    # The page after a search shows an empty form: the ID number is never echoed.
    form.name.data = form.id_number.data = ""
    if not found:
        g.needs_captcha = captcha.record_miss(_client())
        logger.info("Certificate search found nothing")
        return _search_page(form, searched=True)

    minutes = current_app.config["CERTIFICATE_LINK_MINUTES"]
    results = [(certificate, certificate_lookup.create_link(certificate.trainee_id, minutes)) for certificate in found]
    logger.info("Certificate search found %s certificates", len(results))
    return _search_page(form, results=results, searched=True)


@bp.route("/captcha.png")
@limited("30 per minute", "public-captcha")
def captcha_image():
    if not captcha.captcha_required(_client()):
        abort(404)
    challenge_id, png = captcha.new_challenge()
    session["captcha_id"] = challenge_id
    return send_file(io.BytesIO(png), mimetype="image/png", max_age=0)


def _link_expired():
    page = render_template(
        "error.html",
        title=_("Link expired"),
        message=_("This certificate link has expired or does not exist. Search again to get a new one."),
    )
    return page, 404


@bp.route("/certificate/<token>")
@limited("VERIFY_RATE_LIMIT", "public-certificate-page")
def certificate_page(token):
    trainee = certificate_lookup.trainee_for_link(token)
    if trainee is None:
        return _link_expired()
    return render_template(
        "public/certificate.html",
        trainee=trainee,
        workshop=trainee.workshop,
        token=token,
        period=certificates.format_period(trainee.workshop),
        hours=certificates.format_hours(trainee.hours),
        issued=certificates.format_date(trainee.certificate_issued_on),
    )


@bp.route("/certificate/<token>/pdf")
@limited("VERIFY_RATE_LIMIT", "public-certificate-pdf")
def certificate_pdf(token):
    trainee = certificate_lookup.trainee_for_link(token)
    if trainee is None:
        return _link_expired()
    if trainee.revoked:
        page = render_template("error.html", title=_("Certificate revoked"), message=_("This certificate has been revoked."))
        return page, 410
    base_url = current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")
    pdf = certificates.render([trainee], trainee.workshop, base_url)
    certificates.record_prints([trainee.id])
    logger.info("Certificate of trainee %s printed from the public page", trainee.id)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"{trainee.certificate_number}.pdf")


def _verify_page(form, trainee=None, checked=False, status=200):
    return (
        render_template(
            "public/verify.html",
            form=form,
            trainee=trainee,
            checked=checked,
            masked_name=certificate_lookup.mask_name(trainee.name) if trainee else "",
            period=certificates.format_period(trainee.workshop) if trainee else "",
            hours=certificates.format_hours(trainee.hours) if trainee else "",
            issued=certificates.format_date(trainee.certificate_issued_on) if trainee else "",
            needs_captcha=_needs_captcha(),
        ),
        status,
    )


@bp.route("/verify/<token>")
@limited("VERIFY_RATE_LIMIT", "public-verify-qr")
def verify_token(token):
    trainee = certificate_lookup.trainee_for_verify_token(token)
    if trainee is None:
        g.needs_captcha = captcha.record_miss(_client())
        return _verify_page(VerifyForm(formdata=None), checked=True, status=404)
    return _verify_page(VerifyForm(formdata=None), trainee=trainee, checked=True)


@bp.route("/verify", methods=["GET"])
def verify_form():
    return _verify_page(VerifyForm())


@bp.route("/verify", methods=["POST"])
@limited("VERIFY_RATE_LIMIT", "public-verify")
def verify_number():
    form = VerifyForm()
    if not form.validate_on_submit() or not _captcha_passes(form):
        return _verify_page(form)
    trainee = certificate_lookup.trainee_for_number(form.number.data, form.name.data)
    if trainee is None:
        g.needs_captcha = captcha.record_miss(_client())
    return _verify_page(VerifyForm(formdata=None), trainee=trainee, checked=True)
