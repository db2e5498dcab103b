// Sealed bot moves (docs/fair-play.md): before a round the server shows
// sha256("{game_id}:{round_no}:{bot_move}:{nonce}"); after it, the bot's move and the nonce.
// The page recomputes the hash here, in the browser (Web Crypto), and says whether they match.

export async function commitment(gameId, roundNo, botMove, nonce) {
  const text = new TextEncoder().encode(`${gameId}:${roundNo}:${botMove}:${nonce}`);
  const digest = await crypto.subtle.digest("SHA-256", text);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// "verified", "mismatch" or "unavailable" (no seal was shown, or no Web Crypto: plain HTTP off localhost).
export async function checkReveal(shown, gameId, played) {
  if (!shown || !played.nonce || !globalThis.crypto?.subtle) return "unavailable";
  const opened = await commitment(gameId, played.round_no, played.bot_move, played.nonce);
  return opened === shown ? "verified" : "mismatch";
}
