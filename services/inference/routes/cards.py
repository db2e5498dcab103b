"""GET /models/{family}/versions/{version}/card: a registered version's model card, JSON or Markdown."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response

from services.inference.deps import ServicesDep
from services.inference.errors import CardUnavailableError
from services.inference.schemas import Problem
from shared.features import Family
from shared.serving_cache.layout import CARD_JSON, CARD_MARKDOWN

router = APIRouter(tags=["models"])

MARKDOWN = "text/markdown; charset=utf-8"
MAX_VERSION = 2**31 - 1  # MLflow's version column is a 32-bit integer


class CardFormat(StrEnum):
    JSON = "json"
    MARKDOWN = "md"


@router.get(
    "/models/{family}/versions/{version}/card",
    responses={
        200: {
            "description": "the version's model card (JSON by default; Markdown with ?format=md or "
            "Accept: text/markdown)",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}},
            },
        },
        404: {"model": Problem, "description": "no card for that version"},
        422: {"model": Problem, "description": "the family, version or format is not valid"},
        503: {"model": Problem, "description": "not in the serving cache, and the registry cannot be read"},
    },
)
async def model_card(
    family: Family,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)],
    services: ServicesDep,
    card_format: Annotated[CardFormat | None, Query(alias="format")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Read from the serving cache beside the model, else from the version's MLflow run (`card/`)."""
    markdown = card_format is CardFormat.MARKDOWN or (
        card_format is None and "text/markdown" in (accept or "")
    )
    data = await services.cards.read(family, version, CARD_MARKDOWN if markdown else CARD_JSON)
    if markdown:
        return Response(data, media_type=MARKDOWN)
    try:
        if not isinstance(orjson.loads(data), dict):
            raise ValueError("the card is not a JSON object")
    except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
        raise CardUnavailableError(family.value, version, exc) from None
    return Response(data, media_type="application/json")
