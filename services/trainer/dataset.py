"""Training data: the window's feature rows, as the training-rows cache reads them (rowcache.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from shared.features import Dataset

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Feature rows (rounds >= 4) of chronologically ordered games, and where they came from."""

    dataset: Dataset
    game_ids: tuple[str, ...]  # dataset.game_index -> game id, oldest game first (games with rounds)
    row_positions: IntArray  # log position of each row's RoundPlayed event
    window_start: datetime
    window_end: datetime
    head_position: int  # the log position the rows were read up to

    @property
    def rows(self) -> int:
        return int(self.dataset.labels.shape[0])

    @property
    def games(self) -> int:
        return len(np.unique(self.dataset.game_index))

    def new_rows(self, after_position: int) -> int:
        """Rows whose round was recorded after `after_position`."""
        return int((self.row_positions > after_position).sum())
