"""Simulated players: pure strategies, a human-like population, and a runner over the public HTTP API.

`players` and `human` are pure (a player sees only what a human sees and returns a move);
`arena` plays them in-process against a bot function; `client`/`runner` play real games over HTTP.
"""
