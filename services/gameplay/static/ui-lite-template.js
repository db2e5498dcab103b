// The page's static markup, shared by /ui-lite and /ui-lite-debug. Only constant text here:
// everything that comes from the player or the server is set later through textContent.

export const MOVES = ["rock", "paper", "scissors"];
export const MOVE_NAMES = { rock: "Rock", paper: "Paper", scissors: "Scissors" };

// Inline SVG instead of emoji: the page must look the same on machines without an emoji font.
const ICONS = {
  rock: `<svg viewBox="0 0 48 48" aria-hidden="true" focusable="false"><path d="M10 30c-3-6 0-14 7-17 5-6 14-5 18 0 6 2 9 9 7 15-1 7-7 11-14 11H20c-5 0-8-4-10-9z"/></svg>`,
  paper: `<svg viewBox="0 0 48 48" aria-hidden="true" focusable="false"><path d="M12 5h18l8 8v30H12z"/><path class="line" d="M17 20h16M17 27h16M17 34h11"/></svg>`,
  scissors: `<svg viewBox="0 0 48 48" aria-hidden="true" focusable="false"><circle cx="13" cy="36" r="6"/><circle cx="35" cy="36" r="6"/><path class="line" d="M17 31 37 6M31 31 11 6"/></svg>`,
};

const moveButton = (move) => `
  <button type="button" class="move" data-move="${move}" disabled>
    <span class="move-icon">${ICONS[move]}</span>
    <span class="move-name">${MOVE_NAMES[move]}</span>
    <span class="move-points"><span data-points-for="${move}">–</span> pts</span>
  </button>`;

const scoreCard = (who, label) => `
  <div class="score score-${who}">
    <span class="score-label">${label}</span>
    <span class="score-value"><span data-score="${who}">0.0</span><span class="score-target"> / <span data-target>10</span></span></span>
    <div class="bar" role="progressbar" aria-label="${label}: progress to the target" aria-valuemin="0" aria-valuemax="10" aria-valuenow="0" data-bar="${who}">
      <div class="bar-fill"></div>
    </div>
  </div>`;

const DEBUG_SECTION = `
  <section id="debug" class="card debug" aria-labelledby="debug-title" hidden>
    <h2 id="debug-title">Model details</h2>
    <p class="hint">Per round: who chose the bot's move, the serving alias and model version, what every alias predicted for your move, and the 50 features the models saw.</p>
    <p id="debug-status" class="hint" role="status"></p>
    <div id="debug-rounds"></div>
  </section>`;

export function buildShell(root, mode) {
  const debug = mode === "debug";
  root.innerHTML = `
  <header class="top">
    <h1>Rock · Paper · Scissors${debug ? ' <span class="badge">debug</span>' : ""}</h1>
    <p class="tagline">Each move has a value this round. Win a round, gain your move's value. First to 10 wins.</p>
  </header>

  <div id="error" class="error" role="alert" hidden>
    <p id="error-text"></p>
    <button type="button" id="error-close" class="link" aria-label="Dismiss the error">Dismiss</button>
  </div>

  <section id="setup" class="card" aria-labelledby="setup-title">
    <h2 id="setup-title">New game</h2>
    <form id="start-form" novalidate>
      <label for="player-name">Your name</label>
      <input id="player-name" name="player_name" autocomplete="nickname" maxlength="64" required>
      <label for="policy">Opponent bot</label>
      <select id="policy" name="policy" aria-describedby="policy-description"></select>
      <p id="policy-description" class="hint"></p>
      <button type="submit" id="start-button" class="primary">Start game</button>
    </form>
  </section>

  <section id="game" class="card" aria-labelledby="game-title" hidden>
    <div class="game-head">
      <h2 id="game-title">Round <span id="round-no">1</span></h2>
      <p class="opponent">vs <strong id="opponent"></strong>${debug ? ' · alias <strong id="game-alias"></strong>' : ""}</p>
    </div>
    <div class="scores">${scoreCard("user", "You")}${scoreCard("bot", "Bot")}</div>
    <div id="play-area">
      <p class="hint" id="moves-hint">Pick your move. The numbers are what each move is worth this round.</p>
      <div class="moves" role="group" aria-labelledby="moves-hint">${MOVES.map(moveButton).join("")}</div>
      <p id="seal" class="seal" title="sha256 of game id, round, the bot's move and a secret nonce: the move is fixed before yours">
        <span class="seal-label">Bot's move sealed:</span> <code id="seal-hash"></code>
      </p>
    </div>
    <p id="round-result" class="round-result" role="status" aria-live="polite" aria-atomic="true"></p>
    <p id="seal-check" class="seal-check" hidden></p>
    <div id="final" class="final" hidden>
      <h2 id="final-title" tabindex="-1"></h2>
      <p id="final-score" class="final-score"></p>
      <button type="button" id="new-game" class="primary">New game</button>
    </div>
  </section>

  <section id="history-section" class="card" aria-labelledby="history-title" hidden>
    <h2 id="history-title">History</h2>
    <div class="table-wrap">
      <table id="history">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col" class="wide-only"><abbr title="Values of rock, paper, scissors">R · P · S</abbr></th>
            <th scope="col">You</th>
            <th scope="col">Bot</th>
            <th scope="col">Result</th>
            <th scope="col">Score</th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  ${debug ? DEBUG_SECTION : ""}`;
}
