"""Path and query parameters shared by the JSON API and the pages: ids and offsets bounded to what the store holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from claimwatch.store.store import MAX_ID

ClaimId = Annotated[int, Path(ge=1, le=MAX_ID, description="Claim id (1 .. 2**63-1)")]
ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="Article id (1 .. 2**63-1)")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Items to skip")]
