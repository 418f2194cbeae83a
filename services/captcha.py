"""Captcha for the public pages after repeated misses from one client address.

A challenge is a short random code drawn into a PNG. The code is stored only
as a hash in the rate-limit storage (memory, or Redis when configured), under
a random challenge id that the browser's session carries. Each challenge can
be checked once.
"""

import hashlib
import io
import logging
import secrets

from flask import current_app
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from extensions import limiter

logger = logging.getLogger(__name__)

# Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
LENGTH = 4
CHALLENGE_SECONDS = 600
MISS_WINDOW_MINUTES = 15
IMAGE_SIZE = (132, 44)


def _miss_key(address: str) -> str:
    return f"zhigeng-certificate-miss/{address}"


def _storage():
    """Return the rate-limit storage, or None when rate limiting is switched off (no captcha then)."""
    return limiter.storage if limiter.enabled else None


def record_miss(address: str) -> bool:
    """Count a search or verification from ``address`` that found nothing; return whether a captcha is due now.

    The count lives for MISS_WINDOW_MINUTES from the first miss.
    """
    storage = _storage()
    if storage is None:
        return False
    count = storage.incr(_miss_key(address), MISS_WINDOW_MINUTES * 60)
    return count >= current_app.config["CAPTCHA_AFTER_MISSES"]


def captcha_required(address: str) -> bool:
    """Return whether ``address`` has missed often enough in the window to be asked for a captcha."""
    storage = _storage()
    return storage is not None and storage.get(_miss_key(address)) >= current_app.config["CAPTCHA_AFTER_MISSES"]


def _key(challenge_id: str, answer: str) -> str:
    digest = hashlib.sha256(f"{challenge_id}:{answer.strip().upper()}".encode()).hexdigest()
    return f"zhigeng-captcha/{digest}"


def new_challenge() -> tuple[str, bytes]:
    """Create a challenge: returns its id (for the session) and the PNG that shows the code."""
    challenge_id = secrets.token_urlsafe(16)
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    limiter.storage.incr(_key(challenge_id, code), CHALLENGE_SECONDS)
    return challenge_id, draw_code(code)


def check_answer(challenge_id: str | None, answer: str | None) -> bool:
    """Return whether ``answer`` solves the challenge. A checked challenge is used up either way."""
    if not challenge_id or not answer or len(answer) > 16:
        return False
    key = _key(challenge_id, answer)
    solved = limiter.storage.get(key) > 0
    limiter.storage.clear(key)
    return solved


def draw_code(code: str) -> bytes:
    """Draw ``code`` with jitter, rotation and noise lines into a small PNG."""
    rng = secrets.SystemRandom()
    image = Image.new("RGB", IMAGE_SIZE, (246, 241, 232))
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        points = [(rng.randrange(IMAGE_SIZE[0]), rng.randrange(IMAGE_SIZE[1])) for _ in range(2)]
        draw.line(points, fill=(rng.randrange(120, 200), rng.randrange(100, 180), rng.randrange(100, 180)), width=1)
    font = ImageFont.load_default(size=28)
    step = IMAGE_SIZE[0] // (len(code) + 1)
    for index, char in enumerate(code):
        glyph = Image.new("RGBA", (36, 40), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((6, 2), char, font=font, fill=(rng.randrange(40, 120), 30, rng.randrange(30, 90), 255))
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (step // 2 + index * step + rng.randrange(-3, 4), rng.randrange(-2, 5)), glyph)
    for _ in range(120):
        draw.point((rng.randrange(IMAGE_SIZE[0]), rng.randrange(IMAGE_SIZE[1])), fill=(rng.randrange(256), 120, 120))
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
