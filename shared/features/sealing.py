"""Sealed bot moves (DESIGN §2, "Sealed moves"): the commitment shown before a round. Pure.

The server decides the bot's move for a round before the player can move in it and shows
`sha256(f"{game_id}:{round_no}:{bot_move}:{nonce}")`; after the round it reveals the move and the
nonce, so the player can check that the move was fixed before theirs. Each round's nonce is 16
bytes of HMAC-SHA256 under the game's own random seal key (never shown): as unguessable as random
bytes, and nothing per round to store.
"""

from __future__ import annotations

import hashlib
import hmac

from shared.features.moves import Move

NONCE_BYTES = 16  # a nonce is this many bytes, as lowercase hex
SEAL_KEY_BYTES = 16  # a game's seal key, as lowercase hex


def round_nonce(seal_key: str, round_no: int) -> str:
    """Round `round_no`'s nonce under the game's seal key (hex)."""
    digest = hmac.digest(bytes.fromhex(seal_key), f"nonce:{round_no}".encode(), hashlib.sha256)
    return digest[:NONCE_BYTES].hex()


def commitment(game_id: str, round_no: int, bot_move: Move | str, nonce: str) -> str:
    """The hex SHA-256 a player checks the revealed move and nonce against."""
    move = bot_move.value if isinstance(bot_move, Move) else bot_move
    return hashlib.sha256(f"{game_id}:{round_no}:{move}:{nonce}".encode()).hexdigest()
