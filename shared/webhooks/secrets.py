"""Signing secrets (§12): ``whsec_`` + base64 of 32 random bytes, encrypted at rest.

A secret must be available in clear to sign, so unlike an API key it cannot be stored as a
hash. It is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under
a key from ``WEBHOOK_SECRET_KEY``, so a database dump alone is not enough to forge
deliveries. Without that variable a random key is generated once into
``VAR_DIR/webhook-secret.key`` (mode 0600): fine embedded and in the compose stack, whose
processes share VAR_DIR; processes on several hosts must all be given the same
``WEBHOOK_SECRET_KEY`` instead. Anyone holding both the dump and the key can sign: that is
the trade-off of any secret a server must use itself.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from shared.config import Settings
from shared.errors import SecretUnreadableError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32
KEY_FILE = "webhook-secret.key"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class SecretBox:
    """Encrypts and decrypts signing secrets with the deployment's key."""

    def __init__(self, key_material: str) -> None:
        # Any string works as WEBHOOK_SECRET_KEY: it is stretched to a Fernet key.
        digest = hashlib.sha256(key_material.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SecretUnreadableError(
                "cannot decrypt the endpoint's signing secret: WEBHOOK_SECRET_KEY differs "
                "from the one it was created with"
            ) from None


def secret_box(settings: Settings) -> SecretBox:
    if settings.webhook_secret_key is not None:
        return SecretBox(settings.webhook_secret_key.get_secret_value())
    return SecretBox(_key_file(settings.var_dir))


def _key_file(var_dir: Path) -> str:
    """The generated key, created atomically so concurrent processes agree on one."""
    path = var_dir / KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=var_dir, prefix=".webhook-key-")
        try:
            os.write(descriptor, secrets.token_urlsafe(32).encode())
            os.close(descriptor)
            os.chmod(temporary, 0o600)
            with contextlib.suppress(FileExistsError):  # another process won the race
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
