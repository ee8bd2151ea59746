"""Food-supply planning: match offers to needs (stateless; issue 15).

Who may (see :mod:`sucre.domain.roles`): every role but a delegate, as the stateless set-off.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from sucre.adapters import sea_routes
from sucre.domain.food.matching import match
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.food import FoodMatchIn, FoodMatchOut
from sucre.service import food

router = APIRouter(tags=["food planning"])
Planner = Annotated[Grant, Depends(allowed(Permission.PLAN_FOOD))]


@router.post("/v1/food/match", response_model=FoodMatchOut,
             summary="Match food offers to needs (nothing is stored)",
             responses=responses(400, 401, 403, 413, 422))
def match_food(body: FoodMatchIn, caller: Planner) -> FoodMatchOut:
    """The most tonnes to critical needs, then the most tonnes, then the fewest
    tonne-nautical-miles (exact network flows): the document of ``sucre food match --json``.
    Rows are checked by the domain (unknown port or member, tonnes, dates), every bad one named
    by its list and position (``line``). Changes nothing, so it takes no Idempotency-Key."""
    distances = sea_routes.sea_distances() if body.distances is None else body.to_distances()
    supplies, needs = body.to_round(distances)
    return FoodMatchOut.model_validate(
        food.match_document(match(supplies, needs, distances, speed_kn=body.speed_kn)))
