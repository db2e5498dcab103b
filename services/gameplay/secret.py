"""The server secret that keys openings and fallback moves (GAME_SECRET), loaded or created once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from services.gameplay.settings import Settings

SECRET_BYTES = 32


def game_secret(settings: Settings) -> bytes:
    """GAME_SECRET, else the local secret file's content, created (mode 0600) on the first start."""
    if settings.game_secret is not None:
        return settings.game_secret.get_secret_value().encode()
    return _local_secret(settings.game_secret_file)


def _local_secret(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(SECRET_BYTES))
        try:
            os.link(draft, path)  # atomic and never overwrites: a process starting at once keeps its own
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    text = path.read_text().strip()
    if not text:
        raise RuntimeError(f"{path} is empty: set GAME_SECRET or delete the file to create a new secret")
    return text.encode()
