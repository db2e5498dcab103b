"""Tunables of the promotion rule, one constant each with its unit (see docs/operations.md)."""

from __future__ import annotations

# Swap Production and B when P(win_rate_B > win_rate_Production + SWAP_MARGIN) reaches this.
SWAP_PROBABILITY = 0.95
# Practical-significance margin on the game win rate (absolute, 0.05 = 5 points). It is what keeps
# repeated looks at two equal models from ever reaching SWAP_PROBABILITY: see docs/operations.md.
SWAP_MARGIN = 0.05
# Finished games of each version (while serving) before any swap is considered.
MIN_GAMES = 100
# Cooldown: games of each version started after the family's last Production/B change.
MIN_FRESH_GAMES = 30

# Challenger re-ranking on replayed rounds: move a challenger above another only when
# P(would-win rate higher) reaches this, with at least MIN_ROUNDS scored rounds on each.
REORDER_PROBABILITY = 0.95
MIN_ROUNDS = 100

# Points on the grid used to integrate the posterior (deterministic, no sampling); 1001 is
# within 1e-4 of the exact value (tests) at 0.2 ms a call.
INTEGRATION_POINTS = 1001
# Half-width of the integration window, in posterior standard deviations.
INTEGRATION_SDS = 12.0
