"""Logging configured once per process, with document numbers masked in every record."""

import logging
import re

# An 18-character resident ID, a 15-digit first-generation ID, or a run of 15 or
# more digits; the surrounding characters must not be digits.
_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{5,8}(\d{3}[\dXx]|\d{4})(?![0-9A-Za-z])")

_configured = False


def redact(text: str) -> str:
    """Mask anything that looks like an ID number to its first 6 and last 4 characters."""
    return _ID_PATTERN.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 10) + m.group(2), text)


class RedactingFilter(logging.Filter):
    """Rewrite each record's message so that no full ID number reaches a handler."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_traceback_formatter.formatException(record.exc_info))
        return True


_traceback_formatter = logging.Formatter()


def configure_logging(level: str = "INFO") -> None:
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    # The peewee logger prints every query with its parameters at DEBUG.
    logging.getLogger("peewee").setLevel(logging.WARNING)
    logging.getLogger("peewee.pool").setLevel(logging.WARNING)
    _configured = True
