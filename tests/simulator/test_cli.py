"""The simulate CLI documents its mix syntax and player types, and rejects bad input clearly."""

from __future__ import annotations

import pytest

from services.simulator.cli import build_parser, main
from services.simulator.players import PLAYER_TYPES


def test_help_documents_the_mix_syntax_and_every_player_type(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", "--help"])
    text = capsys.readouterr().out
    assert "human:70,random:10,cycle:20" in text
    for kind in PLAYER_TYPES:
        assert f"  {kind} " in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--players", "human:abc"], "must be a number"),
        (["--policies", "brian,zorro"], "unknown policy 'zorro'"),
        (["--games", "0"], "at least 1"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--games", "1", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_unreachable_server_fails_every_game_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    code = main(["simulate", "--games", "2", "--url", f"http://127.0.0.1:{free_port()}"])
    assert code == 1
    assert "2 failed" in capsys.readouterr().out
