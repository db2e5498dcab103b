"""The request models hand the route the features already checked and converted to one float32 row."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from services.inference.schemas import BatchPredictRequest, PredictRequest
from tests.inference.helpers import ROW


@pytest.mark.parametrize("model", [PredictRequest, BatchPredictRequest])
def test_row_is_the_features_as_one_float32_row(model: type[PredictRequest | BatchPredictRequest]) -> None:
    extra = {"alias": "B"} if model is PredictRequest else {}
    body = model.model_validate({"family": "rps_bot_mnlogit", "features": list(ROW), **extra})
    assert body.row.dtype == np.float32
    assert body.row.shape == (1, len(ROW))
    np.testing.assert_array_equal(body.row[0], np.asarray(ROW, dtype=np.float32))


def test_a_value_beyond_float32_is_refused_in_the_batch_request_too() -> None:
    with pytest.raises(ValidationError, match="less than or equal to"):
        BatchPredictRequest.model_validate({"family": "rps_bot_mnlogit", "features": [1e39, *ROW[1:]]})
