// The debug panel of /ui-lite-debug: per round, the serving alias and version, who chose the
// bot's move, every alias's predicted probabilities of the player's move, and the 50 features.
import { api } from "./ui-lite-api.js";
import { MOVE_NAMES, MOVES } from "./ui-lite-template.js";

const SERVING_FIRST = ["Production", "B", "shadow1", "shadow2"];
const SOURCE_TEXT = {
  opening: "opening gambit (no model)",
  model: "model, through the policy",
  fallback: "fallback: no model answered",
};

// The model card is served by inference (GET /models/{family}/versions/{version}/card): on its own
// port next to gameplay (make run, compose) unless the page names it in <meta name="rps-inference-url">.
const INFERENCE_URL =
  document.querySelector('meta[name="rps-inference-url"]')?.content ??
  `${location.protocol}//${location.hostname}:8001`;

function cardLinks(family, version) {
  // Gameplay records the version as inference answered it: a number or its decimal string.
  if (!/^\d+$/.test(String(version ?? ""))) return "–";
  const card = `${INFERENCE_URL}/models/${encodeURIComponent(family)}/versions/${version}/card`;
  return node(
    "span",
    {},
    node("a", { href: card, target: "_blank", rel: "noopener" }, "JSON"),
    " · ",
    node("a", { href: `${card}?format=md`, target: "_blank", rel: "noopener" }, "Markdown"),
  );
}

// Re-renders can overlap (two quick rounds); only the newest one may write to the page.
let renderSeq = 0;
// Which <details> the reader opened or closed, so a re-render does not fold them back.
const openState = new Map();

function node(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(element.dataset, value);
    else if (key in element) element[key] = value;
    else element.setAttribute(key, value);
  }
  element.append(...children.filter((c) => c !== null && c !== undefined).map((c) => (c instanceof Node ? c : String(c))));
  return element;
}

const pct = (p) => `${(100 * p).toFixed(1)}%`;

function rememberedDetails(key, defaultOpen, ...children) {
  const details = node("details", { open: openState.get(key) ?? defaultOpen, dataset: { key } }, ...children);
  // The initial `open` also fires a toggle; only a reader's change of the default is remembered.
  details.addEventListener("toggle", () => {
    if (openState.has(key) || details.open !== defaultOpen) openState.set(key, details.open);
  });
  return details;
}

function aliasOrder(predictions, serving) {
  const names = Object.keys(predictions);
  const rank = (a) => (a === serving ? -1 : SERVING_FIRST.indexOf(a) === -1 ? 99 : SERVING_FIRST.indexOf(a));
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function probabilitiesTable(round, serving) {
  const predictions = round.predictions ?? {};
  if (Object.keys(predictions).length === 0) {
    return node("p", { className: "hint" }, "No model predicted this round.");
  }
  const head = node(
    "tr",
    {},
    node("th", { scope: "col" }, "Alias"),
    node("th", { scope: "col" }, node("abbr", { title: "model version" }, "Ver.")),
    ...MOVES.map((m) =>
      node("th", { scope: "col", className: m === round.user_move ? "played" : "" }, MOVE_NAMES[m], m === round.user_move ? " ✓" : ""),
    ),
  );
  const rows = aliasOrder(predictions, serving).map((alias) => {
    const p = predictions[alias];
    const probabilities = p.probabilities ?? {};
    return node(
      "tr",
      { className: alias === serving ? "serving" : "", dataset: { alias } },
      node(
        "th",
        { scope: "row" },
        alias,
        node("span", { className: "alias-note" }, [alias === serving ? "serving" : "", p.source].filter(Boolean).join(" · ")),
      ),
      node("td", {}, p.model_version ?? "–"),
      ...MOVES.map((m) => {
        const value = Number(probabilities[m] ?? 0);
        const cell = node("td", { className: "prob" }, pct(value));
        cell.style.setProperty("--p", String(value));
        return cell;
      }),
    );
  });
  return node(
    "div",
    { className: "table-wrap" },
    node(
      "table",
      { className: "probs" },
      node("caption", {}, "Predicted probability of your move (✓ = what you played)"),
      node("thead", {}, head),
      node("tbody", {}, ...rows),
    ),
  );
}

function featuresTable(names, values, roundNo) {
  if (!values) return node("p", { className: "hint" }, "No features recorded for this round.");
  const rows = values.map((value, i) =>
    node(
      "tr",
      { className: value !== 0 ? "nonzero" : "" },
      node("td", {}, i),
      node("th", { scope: "row" }, names[i] ?? `feature_${i}`),
      node("td", {}, String(Number(Number(value).toFixed(3)))), // 1.5, 2, 0.333: no noise digits
    ),
  );
  return rememberedDetails(
    `features-${roundNo}`,
    false,
    node("summary", {}, `${values.length} features`),
    node(
      "div",
      { className: "table-wrap" },
      node(
        "table",
        { className: "features" },
        node("thead", {}, node("tr", {}, ...["#", "Name", "Value"].map((t) => node("th", { scope: "col" }, t)))),
        node("tbody", {}, ...rows),
      ),
    ),
  );
}

function roundCard(round, game, featureNames, features, newest) {
  const serving = round.alias ?? game.model_alias;
  const version = round.model_version ?? "none";
  const served = round.bot_source === "model" ? ` · ${serving} v${version}` : "";
  const summary = node("summary", {}, node("strong", {}, `Round ${round.round_no}`), ` · ${round.bot_source}${served}`);
  const facts = node(
    "dl",
    { className: "facts" },
    node("dt", {}, "Bot move by"),
    node("dd", { dataset: { field: "bot_source" } }, SOURCE_TEXT[round.bot_source] ?? round.bot_source),
    node("dt", {}, "Serving alias"),
    node("dd", { dataset: { field: "alias" } }, serving ?? "–"),
    node("dt", {}, "Model version"),
    node("dd", { dataset: { field: "model_version" } }, version),
    node("dt", {}, "Model card"),
    node("dd", { dataset: { field: "model_card" } }, cardLinks(game.family, round.model_version)),
    node("dt", {}, "Moves"),
    node("dd", {}, `you ${round.user_move}, bot ${round.bot_move} (${round.result})`),
    node("dt", {}, "Seal"),
    node("dd", { dataset: { field: "bot_commitment" }, className: "hash" }, round.bot_commitment ?? "– (played before sealed moves)"),
    node("dt", {}, "Nonce"),
    node("dd", { dataset: { field: "nonce" }, className: "hash" }, round.nonce ?? "–"),
  );
  return rememberedDetails(
    `round-${round.round_no}`,
    newest,
    summary,
    node(
      "div",
      { className: "round-debug-body", dataset: { round: round.round_no } },
      facts,
      probabilitiesTable(round, serving),
      featuresTable(featureNames, features, round.round_no),
    ),
  );
}

export async function renderDebug(gameId) {
  const seq = ++renderSeq;
  const status = document.getElementById("debug-status");
  const container = document.getElementById("debug-rounds");
  const [game, featureSet] = await Promise.all([api.game(gameId), api.features(gameId)]);
  if (seq !== renderSeq) return;
  const byRound = new Map((featureSet.rounds ?? []).map((r) => [r.round_no, r.features]));
  const rounds = [...(game.rounds ?? [])].reverse();
  status.textContent = rounds.length
    ? `Game ${game.game_id} · family ${game.family} · alias ${game.model_alias}`
    : "No rounds played yet.";
  container.replaceChildren(
    ...rounds.map((round, i) =>
      node(
        "div",
        { className: "round-debug", dataset: { round: round.round_no } },
        roundCard(round, game, featureSet.feature_names ?? [], byRound.get(round.round_no), i === 0),
      ),
    ),
  );
}
