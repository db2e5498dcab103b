// The Lite UI: start a game, play it round by round, show the history and the final result.
import { api, ApiError } from "./ui-lite-api.js";
import { renderDebug } from "./ui-lite-debug.js";
import { checkReveal } from "./ui-lite-seal.js";
import { MOVE_NAMES, MOVES, buildShell } from "./ui-lite-template.js";

const STORAGE_KEYS = {
  name: "rps.playerName",
  session: "rps.sessionId",
  policy: "rps.policy",
  game: "rps.gameId",
};

const root = document.getElementById("app");
const debugMode = root.dataset.mode === "debug";
buildShell(root, root.dataset.mode);

const $ = (id) => document.getElementById(id);
const el = {
  error: $("error"),
  errorText: $("error-text"),
  setup: $("setup"),
  form: $("start-form"),
  name: $("player-name"),
  policy: $("policy"),
  policyDescription: $("policy-description"),
  start: $("start-button"),
  game: $("game"),
  roundNo: $("round-no"),
  opponent: $("opponent"),
  alias: $("game-alias"),
  playArea: $("play-area"),
  moves: [...root.querySelectorAll("button.move")],
  result: $("round-result"),
  sealHash: $("seal-hash"),
  sealCheck: $("seal-check"),
  final: $("final"),
  finalTitle: $("final-title"),
  finalScore: $("final-score"),
  newGame: $("new-game"),
  historySection: $("history-section"),
  historyBody: root.querySelector("#history tbody"),
  debug: $("debug"),
};

// The one game on screen; null before the first start.
let game = null;
let busy = false;
let policies = [];

const storage = {
  get: (key) => {
    try {
      return localStorage.getItem(STORAGE_KEYS[key]);
    } catch {
      return null; // storage disabled (private mode): the game still works, it just forgets
    }
  },
  set: (key, value) => {
    try {
      if (value === null || value === undefined) localStorage.removeItem(STORAGE_KEYS[key]);
      else localStorage.setItem(STORAGE_KEYS[key], value);
    } catch {
      /* see get */
    }
  },
};

const fmt = (value) => Number(value).toFixed(1);

function showError(error) {
  const message = error instanceof ApiError ? error.message : String(error?.message ?? error);
  el.errorText.textContent = message;
  el.error.hidden = false;
}

function clearError() {
  el.error.hidden = true;
  el.errorText.textContent = "";
}

function setBusy(value) {
  busy = value;
  const canPlay = !value && game !== null && !game.finished;
  for (const button of el.moves) button.disabled = !canPlay;
  el.start.disabled = value;
  el.newGame.disabled = value;
  el.game.setAttribute("aria-busy", String(value));
}

function renderPolicies() {
  el.policy.replaceChildren(
    ...policies.map((p) => {
      const option = document.createElement("option");
      option.value = p.name;
      option.textContent = p.name;
      return option;
    }),
  );
  const saved = storage.get("policy");
  if (saved && policies.some((p) => p.name === saved)) el.policy.value = saved;
  describePolicy();
}

function describePolicy() {
  const policy = policies.find((p) => p.name === el.policy.value);
  el.policyDescription.textContent = policy ? policy.description : "";
}

function renderScores() {
  const target = game.target_points ?? 10;
  root.querySelectorAll("[data-target]").forEach((node) => (node.textContent = fmt(target).replace(/\.0$/, "")));
  for (const who of ["user", "bot"]) {
    const score = game[`${who}_score`];
    root.querySelector(`[data-score="${who}"]`).textContent = fmt(score);
    const bar = root.querySelector(`[data-bar="${who}"]`);
    bar.setAttribute("aria-valuemax", String(target));
    bar.setAttribute("aria-valuenow", String(Math.min(score, target)));
    bar.firstElementChild.style.width = `${Math.min(100, (100 * score) / target)}%`;
  }
}

function renderMoves() {
  for (const button of el.moves) {
    const move = button.dataset.move;
    const points = game.round_points?.[move];
    button.querySelector(`[data-points-for="${move}"]`).textContent = points === undefined ? "–" : fmt(points);
    button.setAttribute("aria-label", `Play ${MOVE_NAMES[move]}, worth ${fmt(points)} points this round`);
  }
}

function historyRow(round) {
  const row = document.createElement("tr");
  row.className = `result-${round.result}`;
  const points = round.points ? MOVES.map((m) => fmt(round.points[m])).join(" · ") : "";
  const resultText = {
    win: `Win +${fmt(round.user_delta)}`,
    lose: "Loss",
    draw: "Draw",
  }[round.result];
  const cells = [
    [round.round_no, ""],
    [points, "wide-only"],
    [MOVE_NAMES[round.user_move] ?? round.user_move, ""],
    [MOVE_NAMES[round.bot_move] ?? round.bot_move, ""],
    [resultText ?? round.result, "result"],
    [`${fmt(round.user_score)}–${fmt(round.bot_score)}`, ""],
  ];
  cells.forEach(([text, className], i) => {
    const cell = document.createElement(i === 0 ? "th" : "td");
    if (i === 0) cell.scope = "row";
    cell.className = className;
    cell.textContent = String(text);
    row.append(cell);
  });
  return row;
}

function renderHistory() {
  el.historySection.hidden = game.rounds.length === 0;
  // Newest first: on a phone the last round is the one you want to see.
  el.historyBody.replaceChildren(...[...game.rounds].reverse().map(historyRow));
}

function describeRound(round) {
  const you = MOVE_NAMES[round.user_move];
  const bot = MOVE_NAMES[round.bot_move];
  if (round.result === "win") {
    return `Round ${round.round_no}: you win! ${you} beats ${bot.toLowerCase()}, +${fmt(round.user_delta)} for you.`;
  }
  if (round.result === "lose") {
    return `Round ${round.round_no}: the bot wins. ${bot} beats ${you.toLowerCase()}, +${fmt(round.bot_delta)} for the bot.`;
  }
  return `Round ${round.round_no}: draw, you both played ${you.toLowerCase()}. No points.`;
}

function finalText() {
  const userWon = game.winner === "user";
  const rounds = game.rounds.length;
  return {
    title: userWon ? "You won!" : "The bot won.",
    score: `Final score: you ${fmt(game.user_score)}, bot ${fmt(game.bot_score)}, after ${rounds} round${rounds === 1 ? "" : "s"}.`,
  };
}

const SEAL_TEXT = {
  verified: (r) => `✓ verified: the bot's ${MOVE_NAMES[r.bot_move].toLowerCase()} in round ${r.round_no} matches the seal shown before your move.`,
  mismatch: (r) => `✗ round ${r.round_no}: the revealed move does not match the seal shown before your move!`,
  unavailable: (r) => `Round ${r.round_no}'s seal could not be checked in this browser (it needs HTTPS or localhost).`,
};

async function showSealCheck(shown, played) {
  const outcome = await checkReveal(shown, game.game_id, played);
  el.sealCheck.dataset.state = outcome;
  el.sealCheck.dataset.round = String(played.round_no);
  el.sealCheck.textContent = SEAL_TEXT[outcome](played);
  el.sealCheck.hidden = false;
}

function renderGame() {
  el.setup.hidden = true;
  el.game.hidden = false;
  el.roundNo.textContent = String(game.finished ? game.rounds.length : game.round_no);
  el.opponent.textContent = game.policy;
  if (el.alias) el.alias.textContent = game.model_alias ?? "–";
  renderScores();
  renderMoves();
  renderHistory();
  el.sealHash.textContent = game.bot_commitment ?? "–";
  el.playArea.hidden = game.finished;
  el.final.hidden = !game.finished;
  if (game.finished) {
    const { title, score } = finalText();
    el.finalTitle.textContent = title;
    el.finalScore.textContent = score;
    el.final.dataset.winner = game.winner;
  }
  if (debugMode) refreshDebug();
}

function refreshDebug() {
  el.debug.hidden = false;
  renderDebug(game.game_id).catch(showError);
}

function showSetup() {
  el.game.hidden = true;
  el.setup.hidden = false;
  el.result.textContent = "";
  el.name.focus();
}

async function startGame(event) {
  event.preventDefault();
  if (busy) return;
  clearError();
  const playerName = el.name.value.trim();
  if (!playerName) {
    showError("Please enter your name.");
    el.name.focus();
    return;
  }
  setBusy(true);
  try {
    const body = { player_name: playerName, policy: el.policy.value };
    const session = storage.get("session");
    if (session) body.session_id = session;
    let started;
    try {
      started = await api.startGame(body);
    } catch (error) {
      // A remembered session this server does not know (its data was reset): start a new one.
      if (!(error instanceof ApiError && error.status === 404 && body.session_id)) throw error;
      delete body.session_id;
      started = await api.startGame(body);
    }
    storage.set("name", playerName);
    storage.set("policy", started.policy);
    storage.set("session", started.session_id);
    storage.set("game", started.game_id);
    game = { ...started, finished: false, winner: null, rounds: [] };
    el.sealCheck.hidden = true;
    el.result.textContent = `Game on against ${started.policy}. Round 1: pick your move.`;
    renderGame();
  } catch (error) {
    showError(error);
  } finally {
    setBusy(false);
  }
  if (game && !el.game.hidden) el.moves[0].focus();
}

function applyPlay(played) {
  game.rounds.push({ ...played, points: game.round_points });
  game.user_score = played.user_score;
  game.bot_score = played.bot_score;
  game.finished = played.finished;
  game.winner = played.winner;
  game.bot_commitment = played.bot_commitment;
  if (!played.finished) {
    game.round_no = played.next_round_no;
    game.round_points = played.next_round_points;
  }
  const announce = describeRound(played);
  el.result.dataset.result = played.result;
  if (played.finished) {
    storage.set("game", null);
    const { title, score } = finalText();
    // Spoken by screen readers; sighted players read the same in the final panel below.
    const spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.textContent = ` Game over. ${title} ${score}`;
    el.result.replaceChildren(announce, spoken);
  } else {
    el.result.textContent = announce;
  }
}

async function play(move) {
  if (busy || !game || game.finished) return;
  clearError();
  setBusy(true);
  try {
    const shown = game.bot_commitment; // the seal on screen while the player chose
    const played = await api.play(game.game_id, game.round_no, move);
    applyPlay(played);
    renderGame();
    await showSealCheck(shown, played);
  } catch (error) {
    showError(error);
    // 404/409: the server knows better than this page (another tab played, or the game ended).
    if (error instanceof ApiError && (error.status === 404 || error.status === 409)) await resync();
  } finally {
    setBusy(false);
  }
  if (game?.finished) el.finalTitle.focus();
}

// Rebuild the page from the server's record of the game.
function fromServer(record) {
  const rounds = record.rounds ?? [];
  const last = rounds.at(-1);
  return {
    ...record,
    user_score: record.user_score ?? last?.user_score ?? 0,
    bot_score: record.bot_score ?? last?.bot_score ?? 0,
    finished: record.status === "finished" || Boolean(record.finished ?? record.winner),
    winner: record.winner ?? null,
    rounds,
  };
}

function canResume(record) {
  return record.finished || (record.round_no && record.round_points);
}

async function resync() {
  if (!game) return;
  try {
    const record = fromServer(await api.game(game.game_id));
    if (canResume(record)) {
      game = record;
      renderGame();
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      storage.set("game", null);
      game = null;
      showSetup();
    }
  }
}

// A reload mid-game goes back to the same game, if the server still has it.
async function resumeSavedGame() {
  const gameId = storage.get("game");
  if (!gameId) return;
  try {
    const record = fromServer(await api.game(gameId));
    if (record.finished || !canResume(record)) {
      storage.set("game", null);
      return;
    }
    game = record;
    el.result.textContent = `Welcome back. Round ${game.round_no}: pick your move.`;
    renderGame();
    setBusy(false);
  } catch {
    storage.set("game", null); // gone or unreadable: start fresh rather than show a stale game
  }
}

async function init() {
  el.name.value = storage.get("name") ?? "";
  el.form.addEventListener("submit", startGame);
  el.policy.addEventListener("change", describePolicy);
  for (const button of el.moves) button.addEventListener("click", () => play(button.dataset.move));
  el.newGame.addEventListener("click", () => {
    clearError();
    showSetup();
    el.start.focus();
  });
  $("error-close").addEventListener("click", clearError);
  setBusy(true);
  try {
    policies = await api.policies();
    renderPolicies();
  } catch (error) {
    showError(error);
  }
  await resumeSavedGame();
  setBusy(false);
  root.dataset.ready = "true"; // tests wait for this
}

init();
