"""Copy the user guide's pictures from the browser journeys' screenshots into docs/images.

Run the journeys first (``pytest tests/browser``), then ``python scripts/guide_images.py``.
Each picture is reduced to 128 colours without dithering, which keeps text sharp
and makes the files about a third of the size of the screenshots.
"""

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
IMAGES = ROOT / "docs" / "images"

# Picture in docs/images: screenshot of a journey (test name without "test_", then the step).
PICTURES = {
    "unit-dashboard": "declaration_to_bulk_approval-01-unit-dashboard",
    "declaration-form": "declaration_to_bulk_approval-02-declaration-form",
    "declaration-submitted": "declaration_to_bulk_approval-03-submitted",
    "initial-review": "declaration_to_bulk_approval-04-initial-review",
    "ministry-bulk-select": "declaration_to_bulk_approval-06-ministry-selects",
    "ministry-bulk-confirm": "declaration_to_bulk_approval-07-bulk-confirmation",
    "workshop-timeline": "declaration_to_bulk_approval-09-timeline",
    "opening-documents-upload": "trainee_list_to_batch_print-01-opening-documents",
    "opening-documents-review": "trainee_list_to_batch_print-03-ministry-reviews-opening-documents",
    "trainee-import-form": "trainee_list_to_batch_print-05-import-form",
    "trainee-import-errors": "trainee_list_to_batch_print-06-import-errors",
    "trainee-list-submitted": "trainee_list_to_batch_print-08-list-submitted",
    "trainee-list-review": "trainee_list_to_batch_print-09-ministry-reviews-list",
    "batch-print": "trainee_list_to_batch_print-11-batch-print",
    "public-search": "public_search_print_and_verify-01-search",
    "public-certificate": "public_search_print_and_verify-03-certificate",
    "certificate-pdf": "public_search_print_and_verify-04-printed",
    "certificate-verified": "public_search_print_and_verify-05-verified",
    "public-not-found": "public_search_print_and_verify-06-wrong-id",
}


def main() -> int:
    missing = [shot for shot in PICTURES.values() if not (SCREENSHOTS / f"{shot}.png").exists()]
    if missing:
        print("Screenshots not found; run pytest tests/browser first:", ", ".join(missing), file=sys.stderr)
        return 1
    IMAGES.mkdir(parents=True, exist_ok=True)
    for picture, shot in PICTURES.items():
        image = Image.open(SCREENSHOTS / f"{shot}.png").convert("RGB")
        reduced = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        reduced.save(IMAGES / f"{picture}.png", optimize=True)
    print(f"{len(PICTURES)} pictures written to {IMAGES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
