"""The Lite UI in a real headless Chromium against the real gameplay app."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from shared.features import ALIASES, FEATURE_COUNT, FEATURE_NAMES, TARGET_POINTS
from tests.conftest import free_port
from tests.ui.harness import PHONE_VIEWPORT, running_gameplay
from tests.ui.inference_standin import VERSIONS

MOVE_CYCLE = ("rock", "paper", "scissors", "paper", "rock", "scissors")
MAX_ROUNDS = 200  # a game needs at most ~30 decisive rounds; this only stops a broken page looping


def open_ui(page: Page, path: str = "/ui-lite") -> None:
    page.goto(path)
    expect(page.locator("#app")).to_have_attribute("data-ready", "true")


def start_game(page: Page, name: str = "Ada", policy: str = "brian") -> dict[str, Any]:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Opponent bot").select_option(policy)
    with page.expect_response("**/start_game") as response:
        page.get_by_role("button", name="Start game").click()
    started = response.value.json()
    expect(page.locator("#round-no")).to_have_text("1")
    return started


def play_round(page: Page, move: str) -> dict[str, Any]:
    rows = page.locator("#history tbody tr")
    before = rows.count()
    with page.expect_response("**/play") as response:
        page.locator(f'button.move[data-move="{move}"]').click()
    expect(rows).to_have_count(before + 1)
    return response.value.json()


def fetch_game(base_url: str, game_id: str) -> dict[str, Any]:
    return httpx.get(f"{base_url}/games/{game_id}").raise_for_status().json()


def test_a_whole_game_played_by_clicking_ends_on_the_final_screen(
    page: Page, gameplay_url: str, page_errors: list[str]
) -> None:
    sent_rounds: list[int] = []
    page.on(
        "request",
        lambda r: sent_rounds.append(r.post_data_json["round_no"]) if r.url.endswith("/play") else None,
    )
    open_ui(page)
    started = start_game(page, policy="forrest")
    expect(page.locator("#opponent")).to_have_text("forrest")
    for move in ("rock", "paper", "scissors"):
        value = f"{started['round_points'][move]:.1f}"
        expect(page.locator(f'[data-points-for="{move}"]')).to_have_text(value)

    rounds = 0
    while page.locator("#final").is_hidden():
        assert rounds < MAX_ROUNDS, "the game never ended"
        played = play_round(page, MOVE_CYCLE[rounds % len(MOVE_CYCLE)])
        rounds += 1
        expect(page.locator("#round-result")).to_contain_text(f"Round {played['round_no']}")
        if not played["finished"]:
            expect(page.locator("#round-no")).to_have_text(str(played["next_round_no"]))
            expect(page.locator('[data-points-for="rock"]')).to_have_text(
                f"{played['next_round_points']['rock']:.1f}"
            )

    game = fetch_game(gameplay_url, started["game_id"])
    assert len(game["rounds"]) == rounds
    assert sent_rounds == list(range(1, rounds + 1)), "every /play carries its round_no, once"
    user, bot = game["rounds"][-1]["user_score"], game["rounds"][-1]["bot_score"]
    assert max(user, bot) >= TARGET_POINTS
    winner_title = "You won!" if user >= TARGET_POINTS else "The bot won."
    expect(page.locator("#final-title")).to_have_text(winner_title)
    expect(page.locator("#final-score")).to_contain_text(
        f"you {user:.1f}, bot {bot:.1f}, after {rounds} round"
    )
    expect(page.locator('[data-score="user"]')).to_have_text(f"{user:.1f}")
    expect(page.locator('[data-score="bot"]')).to_have_text(f"{bot:.1f}")
    expect(page.locator("#round-result")).to_contain_text("Game over")
    expect(page.locator("#history tbody tr")).to_have_count(rounds)
    expect(page.locator("button.move").first).to_be_hidden()

    new_game = page.get_by_role("button", name="New game")
    expect(new_game).to_be_enabled()
    new_game.click()
    expect(page.get_by_label("Your name")).to_have_value("Ada")
    again = start_game(page, policy="forrest")
    assert again["game_id"] != started["game_id"]
    assert again["session_id"] == started["session_id"], "the session is remembered across games"
    expect(page.locator('[data-score="user"]')).to_have_text("0.0")
    expect(page.locator("#history-section")).to_be_hidden()
    assert page_errors == []


def test_move_buttons_are_disabled_while_a_play_is_in_flight(page: Page, page_errors: list[str]) -> None:
    open_ui(page)
    start_game(page)
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)  # answered below, after the page has been checked mid-request

    page.route("**/play", hold)
    page.locator('button.move[data-move="paper"]').click()
    expect(page.locator("button.move:disabled")).to_have_count(3)
    page.locator('button.move[data-move="rock"]').click(force=True)  # a second tap must do nothing
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("button.move:enabled")).to_have_count(3)
    expect(page.locator("#history tbody tr").first.locator("td").nth(1)).to_have_text("Paper")
    assert page_errors == []


def test_every_round_shows_the_seal_before_the_move_and_verified_after_it(
    page: Page, gameplay_url: str, page_errors: list[str]
) -> None:
    """The commitment is on screen before each move; after it the page checks the reveal with Web Crypto."""
    open_ui(page)
    started = start_game(page, policy="brian")
    seal = started["bot_commitment"]
    rounds = 0
    while page.locator("#final").is_hidden():
        assert rounds < MAX_ROUNDS, "the game never ended"
        expect(page.locator("#seal-hash")).to_have_text(seal)  # shown before the player moves
        played = play_round(page, MOVE_CYCLE[rounds % len(MOVE_CYCLE)])
        rounds += 1
        check = page.locator("#seal-check")
        expect(check).to_have_attribute("data-round", str(played["round_no"]))
        expect(check).to_have_attribute("data-state", "verified")
        expect(check).to_contain_text("verified")
        opened = f"{started['game_id']}:{played['round_no']}:{played['bot_move']}:{played['nonce']}"
        assert hashlib.sha256(opened.encode()).hexdigest() == seal  # the page's verdict is right
        seal = played["bot_commitment"]
    assert seal is None and rounds >= 4
    assert page_errors == []


def test_a_tampered_reveal_is_shown_as_a_mismatch(page: Page, page_errors: list[str]) -> None:
    """The check can fail: a reveal that does not open the seal is flagged, not verified."""
    open_ui(page)
    start_game(page)

    def tamper(route: Route) -> None:
        answer = route.fetch()
        body = answer.json()
        body["nonce"] = "0" * 32
        route.fulfill(response=answer, json=body)

    page.route("**/play", tamper)
    play_round(page, "rock")
    expect(page.locator("#seal-check")).to_have_attribute("data-state", "mismatch")
    assert page_errors == []


def test_debug_page_shows_alias_version_probabilities_and_features(
    page: Page, gameplay_url: str, page_errors: list[str]
) -> None:
    open_ui(page, "/ui-lite-debug")
    started = start_game(page, policy="lily")
    for move in MOVE_CYCLE[:5]:
        played = play_round(page, move)
        if played["finished"]:
            break
    game = fetch_game(gameplay_url, started["game_id"])
    features = httpx.get(f"{gameplay_url}/games/{started['game_id']}/features").json()
    last = game["rounds"][-1]
    assert last["bot_source"] == "model", "round 4 on is played by the model"
    alias = started["model_alias"]
    expect(page.locator("#game-alias")).to_have_text(alias)

    cards = page.locator("#debug-rounds .round-debug")
    expect(cards).to_have_count(len(game["rounds"]))
    newest = cards.first
    expect(newest.locator("summary").first).to_have_text(
        f"Round {last['round_no']} · model · {alias} v{VERSIONS[alias]}"
    )
    expect(newest.locator('[data-field="alias"]')).to_have_text(alias)
    expect(newest.locator('[data-field="model_version"]')).to_have_text(str(last["model_version"]))
    card = f"/models/{game['family']}/versions/{last['model_version']}/card"  # served by inference
    card_link = newest.locator('[data-field="model_card"] a').first
    expect(card_link).to_have_attribute("href", re.compile(f"{card}$"))
    expect(newest.locator('[data-field="bot_source"]')).to_contain_text("model")
    expect(newest.locator('[data-field="nonce"]')).to_have_text(last["nonce"])
    expect(newest.locator('[data-field="bot_commitment"]')).to_have_text(last["bot_commitment"])

    rows = newest.locator("table.probs tbody tr")
    expect(rows).to_have_count(len(ALIASES))
    for alias_name in ALIASES:
        row = newest.locator(f'table.probs tr[data-alias="{alias_name}"]')
        expect(row.locator("td").first).to_have_text(VERSIONS[alias_name])
        recorded = last["predictions"][str(alias_name)]["probabilities"]
        shown = [float(text.rstrip("%")) for text in row.locator("td.prob").all_inner_texts()]
        expected = [100 * recorded[m] for m in ("rock", "paper", "scissors")]
        assert shown == pytest.approx(expected, abs=0.051), alias_name  # one decimal, however it rounds
    expect(newest.locator(f'table.probs tr[data-alias="{alias}"] th')).to_contain_text("serving")

    newest.locator("summary", has_text=f"{FEATURE_COUNT} features").click()
    feature_rows = newest.locator("table.features tbody tr")
    expect(feature_rows).to_have_count(FEATURE_COUNT)
    assert features["feature_names"] == list(FEATURE_NAMES)
    expect(feature_rows.locator("th")).to_have_text(list(FEATURE_NAMES))
    recorded_features = {r["round_no"]: r["features"] for r in features["rounds"]}[last["round_no"]]
    shown_features = [float(text) for text in feature_rows.locator("td:nth-child(3)").all_inner_texts()]
    assert shown_features == pytest.approx(recorded_features, abs=0.0005)
    assert shown_features[FEATURE_NAMES.index("step_no")] == last["round_no"]

    oldest = cards.last
    oldest.locator("summary").first.click()
    expect(oldest.locator("summary").first).to_have_text("Round 1 · opening")
    expect(oldest).to_contain_text("No model predicted this round.")
    assert page_errors == []


def test_a_rejected_request_shows_the_servers_message(
    page: Page, gameplay_url: str, page_errors: list[str]
) -> None:
    open_ui(page)
    # A policy the server does not know, as an outdated page might still offer.
    page.locator("#policy").evaluate(
        "select => { select.add(new Option('nobody', 'nobody')); select.value = 'nobody'; }"
    )
    page.get_by_label("Your name").fill("Ada")
    with page.expect_response("**/start_game") as response:
        page.get_by_role("button", name="Start game").click()
    assert 400 <= response.value.status < 500
    detail = response.value.json()["detail"]
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    # The server's own words: a plain message, or each message of a validation error.
    for message in [detail] if isinstance(detail, str) else [item["msg"] for item in detail]:
        expect(alert).to_contain_text(message)
    expect(page.get_by_role("button", name="Start game")).to_be_enabled()
    expect(page.locator("#game")).to_be_hidden()

    page.get_by_role("button", name="Dismiss the error").click()
    expect(alert).to_be_hidden()
    page.get_by_label("Opponent bot").select_option("logan")
    page.get_by_role("button", name="Start game").click()
    expect(page.locator("#game")).to_be_visible()
    assert page_errors == []


def test_a_reload_resumes_the_game_and_remembers_the_player(
    page: Page, gameplay_url: str, page_errors: list[str]
) -> None:
    open_ui(page)
    started = start_game(page, name="Grace", policy="logan")
    play_round(page, "rock")
    play_round(page, "paper")
    page.reload()
    expect(page.locator("#app")).to_have_attribute("data-ready", "true")
    expect(page.locator("#round-no")).to_have_text("3")
    expect(page.locator("#history tbody tr")).to_have_count(2)
    played = play_round(page, "scissors")
    assert played["game_id"] == started["game_id"] and played["round_no"] == 3
    stored = page.evaluate(
        "() => [localStorage.getItem('rps.playerName'), localStorage.getItem('rps.sessionId')]"
    )
    assert stored == ["Grace", started["session_id"]]
    assert page_errors == []


def test_the_page_fits_a_small_phone_with_large_labelled_buttons(page: Page, page_errors: list[str]) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    open_ui(page)
    start_game(page)
    play_round(page, "rock")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "no sideways scrolling on a phone"
    for move in ("Rock", "Paper", "Scissors"):
        button = page.get_by_role("button", name=re.compile(rf"^Play {move}, worth \d+\.\d points"))
        box = button.bounding_box()
        assert box is not None and box["width"] >= 44 and box["height"] >= 44
    expect(page.locator("#round-result")).to_have_attribute("aria-live", "polite")
    assert page_errors == []


def test_a_lost_answer_is_retried_with_the_same_round_and_played_once(
    page: Page, gameplay_url: str, page_errors: list[str]
) -> None:
    open_ui(page)
    started = start_game(page)
    attempts: list[dict[str, Any]] = []

    def lose_first_answer(route: Route) -> None:
        attempts.append(route.request.post_data_json)
        if len(attempts) == 1:
            route.fetch()  # the server plays the round...
            route.abort("connectionreset")  # ...but its answer never reaches the page
        else:
            route.continue_()

    page.route("**/play", lose_first_answer)
    page.locator('button.move[data-move="scissors"]').click()
    expect(page.locator("#history tbody tr")).to_have_count(1)
    assert len(attempts) == 2 and attempts[0] == attempts[1], "the retry repeats the same round_no and move"
    assert attempts[0]["round_no"] == 1
    game = fetch_game(gameplay_url, started["game_id"])
    assert [r["round_no"] for r in game["rounds"]] == [1]
    expect(page.locator("#round-no")).to_have_text("2")
    expect(page.get_by_role("alert")).to_be_hidden()
    assert page_errors == []


def test_debug_page_shows_the_fallback_when_inference_is_down(
    browser: Browser, sqlite_url: str, redis_url: str, page_errors: list[str]
) -> None:
    dead_inference = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with running_gameplay(sqlite_url, redis_url, dead_inference) as base_url:
        context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=base_url)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        open_ui(page, "/ui-lite-debug")
        start_game(page, policy="brian")
        for move in MOVE_CYCLE[:4]:
            if play_round(page, move)["finished"]:
                break
        newest = page.locator("#debug-rounds .round-debug").first
        expect(newest.locator("summary").first).to_have_text("Round 4 · fallback")
        expect(newest.locator('[data-field="bot_source"]')).to_contain_text("fallback")
        expect(newest).to_contain_text("No model predicted this round.")
        context.close()
    assert page_errors == []
