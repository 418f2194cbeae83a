"""Benchmark: batch printing N certificates against a reportlab-canvas floor measured in the same run.

Usage: python benchmarks/batch_print.py [--count 1000] [--workers 2] [--rounds 3]

The floor draws the same certificates (same font, fields, border and QR
code) directly on a reportlab canvas in one process. The candidate is the
application's own path: the Jinja template through xhtml2pdf, split over
``--workers`` forked processes and merged. Peak memory is the largest sum of
proportional set sizes (PSS, shared pages split between processes) of this
process and its workers, sampled every 20 ms. Floor and batch run alternately for ``--rounds``
rounds and the best round of each counts, so that a burst of other work on
the machine does not decide the ratio.
"""

import argparse
import io
import os
import random
import secrets
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qrcode  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from qrcode.constants import ERROR_CORRECT_M  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from services.certificate_fonts import certificate_font  # noqa: E402
from services.certificate_pdf import render_certificates, spread_label  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉海燕鹏飞"
LABELS = {
    "programme": "国家专业技术人员知识更新工程",
    "title": "培训证书",
    "name": "姓名",
    "number": "证书编号",
    "workshop": "研修项目",
    "period": "培训时间",
    "hours": "学时",
    "issued": "发证时间",
    "statement": "该同志参加国家专业技术人员知识更新工程高级研修项目，完成规定学时，经考核合格，特发此证。",
    "seal": "培训单位（盖章）",
    "scan": "扫描二维码验证证书真伪",
}


def make_certificates(count: int) -> list[dict]:
    rng = random.Random(2026)
    return [
        {
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            "id_label": "身份证号",
            "id_number": f"320102********{rng.randrange(10000):04d}",
            "number": f"ZJ2026{index:06d}",
            "workshop": "新一代信息技术产业创新发展高级研修班",
            "period": "2026年9月1日至2026年9月7日",
            "hours": "40",
            "issued": "2026年9月30日",
            "verify_url": f"https://zhigeng.example.cn/verify/{secrets.token_urlsafe(16)}",
        }
        for index in range(count)
    ]


def draw_floor(certificates: list[dict], font_name: str) -> bytes:
    """Draw each certificate directly on a reportlab canvas: the same content, no layout engine."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    for entry in certificates:
        page.setStrokeColorRGB(0.54, 0.11, 0.11)
        page.setLineWidth(2.5)
        page.rect(10 * mm, 10 * mm, 190 * mm, 277 * mm)
        page.setLineWidth(0.6)
        page.rect(13.5 * mm, 13.5 * mm, 183 * mm, 270 * mm)
        page.setFillColorRGB(0.54, 0.11, 0.11)
        page.setFont(font_name, 18)
        page.drawCentredString(width / 2, height - 42 * mm, LABELS["programme"])
        page.setFont(font_name, 44)
        page.drawCentredString(width / 2, height - 65 * mm, "培 训 证 书")
        page.setFillColorRGB(0.13, 0.13, 0.13)
        y = height - 95 * mm
        rows = (
            (LABELS["name"], entry["name"]),
            (entry["id_label"], entry["id_number"]),
            (LABELS["number"], entry["number"]),
            (LABELS["workshop"], entry["workshop"]),
            (LABELS["period"], entry["period"]),
            (LABELS["hours"], entry["hours"]),
        )
        for label, value in rows:
            page.setFont(font_name, 12)
            page.drawString(30 * mm, y, spread_label(label) + "：")
            page.setFont(font_name, 14)
            page.drawString(51.5 * mm, y, value)
            page.line(30 * mm, y - 2 * mm, 180 * mm, y - 2 * mm)
            y -= 11 * mm
        page.setFont(font_name, 13)
        page.drawString(36 * mm, y - 8 * mm, LABELS["statement"][:29])
        page.drawString(30 * mm, y - 16 * mm, LABELS["statement"][29:])
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
        code.add_data(entry["verify_url"])
        code.make(fit=True)
        matrix = code.get_matrix()
        module = 30 * mm / len(matrix)
        path = page.beginPath()
        for row, cells in enumerate(matrix):
            for column, dark in enumerate(cells):
                if dark:
                    path.rect(30 * mm + column * module, 40 * mm + (len(matrix) - 1 - row) * module, module, module)
        page.drawPath(path, stroke=0, fill=1)
        page.setFont(font_name, 8.5)
        page.drawString(30 * mm, 35 * mm, LABELS["scan"])
        page.setFont(font_name, 13)
        page.drawRightString(180 * mm, 52 * mm, LABELS["seal"])
        page.drawRightString(180 * mm, 42 * mm, f"{LABELS['issued']}：{entry['issued']}")
        page.showPage()
    page.save()
    return buffer.getvalue()


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class PeakMemory:
    """Sample the PSS of this process and its children until stopped; keep the largest sum."""

    def __init__(self):
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = os.getpid()
        while not self._stop.is_set():
            total = _pss_kib(me) + sum(_pss_kib(child) for child in _children(me))
            self.peak_kib = max(self.peak_kib, total)
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="number of certificates (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the batch (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of floor and batch (default 3)")
    parser.add_argument("--output", default="", help="also write the batch PDF to this path")
    args = parser.parse_args()

    font = certificate_font(os.environ.get("ZHIGENG_CERTIFICATE_FONT", ""))
    certificates = make_certificates(args.count)

    floor_times, batch_times, peaks = [], [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        floor_pdf = draw_floor(certificates, font.name)
        floor_times.append(time.perf_counter() - started)
        with PeakMemory() as memory:
            started = time.perf_counter()
            batch_pdf = render_certificates(certificates, LABELS, workers=args.workers)
            batch_times.append(time.perf_counter() - started)
        peaks.append(memory.peak_kib)

    pages = len(PdfReader(io.BytesIO(batch_pdf)).pages)
    if args.output:
        Path(args.output).write_bytes(batch_pdf)
    floor_rate = args.count / min(floor_times)
    batch_rate = args.count / min(batch_times)
    rounds = ", ".join(f"{args.count / f:.0f}/{args.count / b:.0f}" for f, b in zip(floor_times, batch_times, strict=True))
    print(f"font: {font.path or font.name} (embedded: {font.embedded})")
    print(f"floor, reportlab canvas, 1 process: {floor_rate:7.1f} pages/s  {len(floor_pdf) / 1e6:5.2f} MB")
    print(
        f"batch, xhtml2pdf, {args.workers} workers:   {batch_rate:7.1f} pages/s  {len(batch_pdf) / 1e6:5.2f} MB  "
        f"{pages} pages  peak PSS {max(peaks) / 1024:.0f} MB"
    )
    print(f"rounds (floor/batch pages/s): {rounds}")
    print(f"ratio batch/floor, best rounds: {batch_rate / floor_rate:.2f} (target at least 0.50)")


if __name__ == "__main__":
    main()
