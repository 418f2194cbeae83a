"""Certificate PDFs: a Jinja template rendered with xhtml2pdf, in one or two processes.

Nothing here touches the database or Flask: callers pass plain dictionaries
(see ``services.certificates.certificate_data``), so the same code runs in the
worker processes of a large batch.
"""

import base64
import gc
import io
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import qrcode
from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image
from pypdf import PdfWriter
from qrcode.constants import ERROR_CORRECT_M
from reportlab import rl_config
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from .certificate_fonts import FAMILY, certificate_font

logger = logging.getLogger(__name__)

TEMPLATE_FOLDER = Path(__file__).resolve().parent.parent / "templates" / "pdf"

# Below this many certificates one process renders the batch alone, because
# starting workers and merging their files costs more than it saves.
PARALLEL_MIN = 80
# Largest part one xhtml2pdf document renders: memory grows with the pages of a
# document (about 0.15 MB each), and each part embeds its own font subset.
PART_MAX = 125

# Binary streams instead of ASCII85 text: reportlab encodes ASCII85 in pure
# Python (about 1 ms per certificate page) and the file grows by a quarter.
rl_config.useA85 = 0

# Autoescaping turns every name and project title into text: markup in them
# never reaches xhtml2pdf or reportlab's paragraph parser.
_jinja = Environment(loader=FileSystemLoader(str(TEMPLATE_FOLDER)), autoescape=select_autoescape(["html"]))

# Certificates name no resources: remote fetches are off, and with no base
# folder every local path is refused too. Only data: URIs (the QR codes) load.


def spread_label(label: str, width: int = 4) -> str:
    """Space a short Chinese label out to ``width`` characters with ideographic spaces: 姓名 becomes 姓　　名."""
    if len(label) >= width or len(label) < 2:
        return label
    gaps = len(label) - 1
    fill, extra = divmod(width - len(label), gaps)
    parts = [label[0]]
    for index, char in enumerate(label[1:]):
        parts.append("\u3000" * (fill + (1 if index < extra else 0)) + char)
    return "".join(parts)


_jinja.filters["spread"] = spread_label

RESOURCE_POLICY = ResourceAccessPolicy.server(None, allow_remote=False)


class CertificateRenderError(Exception):
    """xhtml2pdf reported errors while rendering certificates."""


def qr_data_uri(url: str) -> str:
    """Encode ``url`` as a QR code in a PNG data URI, one pixel per module.

    The mask pattern is fixed, because choosing the best of the eight takes
    about 5 ms per code, half the time of a certificate page, and any mask
    decodes. The PDF scales
    the image up without smoothing.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def render_html(certificates: list[dict], labels: dict) -> str:
    """Fill the certificate template with one page per entry of ``certificates``."""
    pages = [dict(entry, qr=qr_data_uri(entry["verify_url"])) for entry in certificates]
    return _jinja.get_template("certificate.html").render(certificates=pages, labels=labels, font_family=FAMILY)


def html_to_pdf(html: str) -> bytes:
    """Convert certificate HTML to PDF under the restricted resource policy."""
    buffer = io.BytesIO()
    status = pisa.CreatePDF(html, dest=buffer, resource_policy=RESOURCE_POLICY, encoding="utf-8")
    if status.err:
        raise CertificateRenderError(f"xhtml2pdf reported {status.err} errors")
    return buffer.getvalue()


def render_part(certificates: list[dict], labels: dict) -> bytes:
    """Render one document of consecutive certificates, one per page."""
    return html_to_pdf(render_html(certificates, labels))


def _split(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _merge(parts: list[bytes]) -> bytes:
    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _render_parallel(chunks: list[list[dict]], labels: dict, workers: int) -> list[bytes]:
    """Render ``chunks`` on ``workers`` processes: this one and ``workers - 1`` forked helpers.

    Rendering here as well, rather than waiting for the helpers, saves the
    memory of one more process, because each process keeps its own copy of the
    font and the libraries (about 80 MB). Freezing the garbage collector before forking keeps the pages the
    helpers inherit shared instead of copied when a collection touches them.
    """
    context = multiprocessing.get_context("fork")
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
            futures = {index: pool.submit(render_part, chunk, labels) for index, chunk in enumerate(chunks) if index % workers}
            own = {index: render_part(chunk, labels) for index, chunk in enumerate(chunks) if not index % workers}
            return [own[index] if index in own else futures[index].result() for index in range(len(chunks))]
    finally:
        gc.unfreeze()


def render_certificates(certificates: list[dict], labels: dict, font_path: str = "", workers: int = 1) -> bytes:
    """Render ``certificates`` as one PDF, one certificate per page, in order.

    A batch of at least PARALLEL_MIN certificates is cut into parts of at most
    PART_MAX pages that ``workers`` processes render side by side. The parts
    are then joined, and each part embeds the font subset once.
    """
    if not certificates:
        raise ValueError("no certificates to render")
    # Registered before forking, so that every helper inherits the parsed font.
    certificate_font(font_path)
    # Helpers are forked so that they inherit the registered font, and Windows cannot fork.
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if workers < 2 or len(certificates) < PARALLEL_MIN or not can_fork:
        parts = [render_part(part, labels) for part in _split(certificates, PART_MAX)]
    else:
        part_size = min(PART_MAX, -(-len(certificates) // workers))
        parts = _render_parallel(_split(certificates, part_size), labels, workers)
    return parts[0] if len(parts) == 1 else _merge(parts)
