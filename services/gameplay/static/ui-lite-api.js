// The gameplay JSON API as the Lite UI uses it: one function per endpoint, errors as ApiError.

const RETRY_DELAYS_MS = [300, 1000]; // two retries; /play is idempotent thanks to round_no
const RETRYABLE_STATUS = new Set([502, 503, 504]);

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "ApiError";
    this.status = status; // 0 when the server could not be reached
  }
}

// FastAPI answers {"detail": "..."} or, for validation errors, {"detail": [{loc, msg}, ...]}.
export function describeDetail(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const loc = Array.isArray(item.loc) ? item.loc.filter((p) => p !== "body").join(".") : "";
        return loc ? `${loc}: ${item.msg}` : String(item.msg ?? JSON.stringify(item));
      })
      .join("; ");
  }
  if (detail && typeof detail === "object") return detail.message ?? JSON.stringify(detail);
  return "";
}

async function errorFrom(response) {
  let message = "";
  try {
    message = describeDetail((await response.json()).detail);
  } catch {
    // Not JSON (a proxy's error page, say): the status line is all we have.
  }
  return new ApiError(response.status, message || `${response.status} ${response.statusText}`.trim());
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function request(method, path, body, { retry = false } = {}) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const delays = retry ? RETRY_DELAYS_MS : [];
  for (let attempt = 0; ; attempt += 1) {
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      if (attempt < delays.length) {
        await sleep(delays[attempt]);
        continue;
      }
      throw new ApiError(0, "Cannot reach the game server. Check your connection and try again.");
    }
    if (response.ok) return response.json();
    if (RETRYABLE_STATUS.has(response.status) && attempt < delays.length) {
      await sleep(delays[attempt]);
      continue;
    }
    throw await errorFrom(response);
  }
}

export const api = {
  policies: () => request("GET", "/policies", undefined, { retry: true }),
  // Not retried: a lost answer would start a second game.
  startGame: (body) => request("POST", "/start_game", body),
  play: (gameId, roundNo, userMove) =>
    request("POST", "/play", { game_id: gameId, round_no: roundNo, user_move: userMove }, { retry: true }),
  game: (gameId) => request("GET", `/games/${encodeURIComponent(gameId)}`, undefined, { retry: true }),
  features: (gameId) =>
    request("GET", `/games/${encodeURIComponent(gameId)}/features`, undefined, { retry: true }),
};
