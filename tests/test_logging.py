"""No full ID number reaches a log line."""

import logging

from logging_setup import RedactingFilter, redact


def test_redact_resident_id():
    assert redact("id 11010519491231002X ok") == "id 110105********002X ok"
    assert redact("号码110105194912310021，") == "号码110105********0021，"


def test_redact_first_generation_id():
    assert redact("old 110105491231002") == "old 110105*****1002"


def test_short_numbers_untouched():
    assert redact("phone 13800000001 and year 2026") == "phone 13800000001 and year 2026"


def test_filter_rewrites_args_and_traceback():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s", ("11010519491231002X",), None)
    RedactingFilter().filter(record)
    assert "11010519491231002X" not in record.getMessage()
    try:
        raise ValueError("bad 11010519491231002X")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RedactingFilter().filter(record)
    assert "11010519491231002X" not in record.exc_text


def test_peewee_query_logger_quiet(app):
    assert logging.getLogger("peewee").getEffectiveLevel() >= logging.WARNING
