"""The CJK font of certificates: found once per process and registered with reportlab."""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from xhtml2pdf import default as xhtml2pdf_default

logger = logging.getLogger(__name__)

# The family name certificate CSS uses; xhtml2pdf looks families up in lower case.
FAMILY = "zhigengcjk"
EMBEDDED_NAME = "ZhigengCJK"
FALLBACK_NAME = "STSong-Light"

# TrueType CJK fonts in the usual places: Debian and Ubuntu packages
# (fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming, fonts-arphic-ukai),
# Windows, and macOS. CFF-outline fonts such as Noto Sans CJK .otf are absent
# on purpose because reportlab cannot embed them.
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)

# Characters every certificate prints; a font lacking one of them is skipped.
_PROBE = "国家专业技术人员知识更新工程培训证书姓名编号"


@dataclass(frozen=True)
class CertificateFont:
    """The font certificates are drawn with: ``embedded`` is False for the STSong-Light fallback."""

    name: str
    path: str
    embedded: bool


_lock = threading.Lock()
_font: CertificateFont | None = None


def _split_index(location: str) -> tuple[str, int]:
    path, _, index = location.partition("#")
    return path, int(index) if index.isdigit() else 0


def _load_truetype(location: str) -> TTFont | None:
    path, index = _split_index(location)
    if not Path(path).is_file():
        return None
    try:
        font = TTFont(EMBEDDED_NAME, path, subfontIndex=index)
    except (TTFError, OSError, ValueError) as error:
        logger.warning("Font %s cannot be embedded: %s", location, error)
        return None
    missing = [char for char in _PROBE if ord(char) not in font.face.charToGlyph]
    if missing:
        logger.warning("Font %s lacks Chinese characters such as %s", location, missing[0])
        return None
    return font


def _candidates(configured: str) -> list[str]:
    return [configured, *SYSTEM_FONTS] if configured else list(SYSTEM_FONTS)


def _register(name: str) -> None:
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
    # xhtml2pdf copies this table into every new document, so the family is
    # known without an @font-face rule that would read the file again.
    xhtml2pdf_default.DEFAULT_FONT[FAMILY] = name


def certificate_font(configured: str = "") -> CertificateFont:
    """Return the certificate font, registering it on the first call in this process.

    ``configured`` is a path from the settings, tried before the system places.
    Without a usable TrueType font the result is reportlab's STSong-Light, which
    PDF files only name: a reader without Chinese fonts then shows boxes.
    """
    global _font
    with _lock:
        if _font is not None:
            return _font
        for location in _candidates(configured):
            truetype = _load_truetype(location)
            if truetype is not None:
                pdfmetrics.registerFont(truetype)
                _register(EMBEDDED_NAME)
                _font = CertificateFont(EMBEDDED_NAME, location, True)
                logger.info("Certificate font: %s", location)
                return _font
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_NAME))
        _register(FALLBACK_NAME)
        _font = CertificateFont(FALLBACK_NAME, "", False)
        logger.warning(
            "No TrueType CJK font found (tried %s); certificates use %s, which is not embedded. "
            "Install fonts-wqy-zenhei or set ZHIGENG_CERTIFICATE_FONT.",
            ", ".join(_candidates(configured)),
            FALLBACK_NAME,
        )
        return _font


def registered_font() -> CertificateFont | None:
    """Return the font registered in this process, or None before the first certificate."""
    return _font


def forget_font() -> None:
    """Forget the chosen font so that the next call searches again (tests use this)."""
    global _font
    with _lock:
        _font = None
