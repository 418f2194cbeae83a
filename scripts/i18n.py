"""Translation catalogue tasks: extract new strings, compile, and check completeness.

Usage: python scripts/i18n.py extract|compile|check
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
PO = CATALOGUE / "messages.po"
MO = CATALOGUE / "messages.mo"
# Additions to Flask-Admin's own "admin" domain, read before its catalogue.
ADMIN_PO = CATALOGUE / "admin.po"
ADMIN_MO = CATALOGUE / "admin.mo"
POT = ROOT / "translations" / "messages.pot"
SOURCES = ["app.py", "commands.py", "models", "services", "admin_views", "public", "templates"]


def run(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def extract():
    run(
        "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output", "-o", str(POT), *SOURCES
    )
    if PO.exists():
        run("update", "-i", str(POT), "-d", "translations", "-l", "zh_Hans_CN", "--no-fuzzy-matching", "--ignore-obsolete")
    else:
        run("init", "-i", str(POT), "-d", "translations", "-l", "zh_Hans_CN")


def compile_catalogue():
    run("compile", "-d", "translations", "-l", "zh_Hans_CN", "--statistics")
    run("compile", "-D", "admin", "-d", "translations", "-l", "zh_Hans_CN", "--statistics")


def _as_tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def problems() -> list[str]:
    """Untranslated or fuzzy entries, and a .mo that differs from the .po, in both catalogues."""
    return _problems(PO, MO) + _problems(ADMIN_PO, ADMIN_MO)


def _problems(po_path, mo_path) -> list[str]:
    with open(po_path, "rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            found.append(f"untranslated or fuzzy: {message.id!r}")
    with open(mo_path, "rb") as handle:
        compiled = read_mo(handle)
    for message in catalogue:
        if message.id and compiled.get(message.id) is None:
            found.append(f"missing from .mo (run compile): {message.id!r}")
        elif message.id and _as_tuple(compiled[message.id].string) != _as_tuple(message.string):
            found.append(f".mo differs from .po (run compile): {message.id!r}")
    return found


if __name__ == "__main__":
    task = sys.argv[1] if len(sys.argv) > 1 else "check"
    if task == "extract":
        extract()
    elif task == "compile":
        compile_catalogue()
    else:
        issues = problems()
        print("\n".join(issues) or "catalogue complete")
        sys.exit(1 if issues else 0)
