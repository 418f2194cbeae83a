"""Encryption and keyed hashing of trainee document numbers."""

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_AAD = b"zhigeng-document-number-v1"


def _derive(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master_key)


class DocumentNumberCipher:
    """AES-256-GCM for storage and HMAC-SHA256 for exact look-ups, both keyed from one master key."""

    def __init__(self, master_key: bytes):
        if len(master_key) < 32:
            raise ValueError("the document number key must have at least 32 bytes")
        self._aead = AESGCM(_derive(master_key, b"encrypt"))
        self._mac_key = _derive(master_key, b"lookup")
        self._token_aead = AESGCM(_derive(master_key, b"sealed-tokens"))

    def encrypt(self, number: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, number.encode(), _AAD)

    def decrypt(self, blob: bytes) -> str:
        blob = bytes(blob)
        return self._aead.decrypt(blob[:12], blob[12:], _AAD).decode()

    def seal(self, data: bytes, purpose: bytes) -> bytes:
        """Encrypt other personal data (such as a temporary file); ``purpose`` must match in ``unseal``."""
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data, b"zhigeng-sealed-v1:" + purpose)

    def unseal(self, blob: bytes, purpose: bytes) -> bytes:
        """Decrypt what ``seal`` produced; raises ValueError when it was altered or sealed for another purpose."""
        try:
            return self._aead.decrypt(blob[:12], blob[12:], b"zhigeng-sealed-v1:" + purpose)
        except InvalidTag:
            raise ValueError("sealed data is damaged or has another purpose") from None

    def lookup_hash(self, number: str) -> str:
        return hmac.digest(self._mac_key, number.encode(), hashlib.sha256).hex()

    def seal_token(self, purpose: bytes, payload: bytes) -> str:
        """Encrypt a short ``payload`` into an opaque URL-safe token that only this key opens.

        The token starts with 16 random bytes and a 12-byte random nonce, so two
        tokens for the same payload differ and none can be guessed.
        """
        nonce = os.urandom(12)
        sealed = nonce + self._token_aead.encrypt(nonce, os.urandom(16) + payload, purpose)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def open_token(self, purpose: bytes, token: str) -> bytes | None:
        """Return the payload of a token made by ``seal_token`` for ``purpose``, or None if it is not one."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            return self._token_aead.decrypt(raw[:12], raw[12:], purpose)[16:]
        except (ValueError, InvalidTag):
            return None


def cipher() -> DocumentNumberCipher:
    """The cipher of the current application, built once from ``ID_KEY``."""
    extensions = current_app.extensions
    if "zhigeng_cipher" not in extensions:
        extensions["zhigeng_cipher"] = DocumentNumberCipher(current_app.config["ID_KEY"])
    return extensions["zhigeng_cipher"]
