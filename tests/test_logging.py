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


def test_personal_data_watch_detects_ids():
    from tests.conftest import PERSONAL_DATA_FINDINGS, record_personal_data

    before = len(PERSONAL_DATA_FINDINGS)
    record_personal_data("probe", "masked 110105********002X and phone 13800000001")
    assert len(PERSONAL_DATA_FINDINGS) == before
    record_personal_data("probe", "full 11010519491231002X")
    assert PERSONAL_DATA_FINDINGS[-1] == ("probe", "110105...")
    PERSONAL_DATA_FINDINGS.pop()


def test_logged_id_is_masked_before_handlers(app):
    from tests.conftest import PERSONAL_DATA_FINDINGS

    before = len(PERSONAL_DATA_FINDINGS)
    logging.getLogger("services.test").warning("checking %s", "11010519491231002X")
    assert len(PERSONAL_DATA_FINDINGS) == before
