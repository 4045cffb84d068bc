"""Fixtures with the published reader-study data sets used as test oracles."""
from __future__ import annotations

import json

import pytest

from reader_study.stats.mrmc_design import MRMCDesign, design_from_rows

from .reference_data import REFERENCE, read_rows


@pytest.fixture(scope="session")
def ref() -> dict:
    return json.loads((REFERENCE / "mrmc_reference_values.json").read_text())


@pytest.fixture(scope="session")
def vandyke_rows() -> list[dict[str, str]]:
    return read_rows("vandyke.csv")


@pytest.fixture(scope="session")
def vandyke(vandyke_rows) -> MRMCDesign:
    return design_from_rows(vandyke_rows)


@pytest.fixture(scope="session")
def vandyke_binary(vandyke_rows) -> MRMCDesign:
    """Van Dyke with rating >= 3 as a positive call (the MRMCaov binary-metrics example)."""
    return design_from_rows([dict(row, rating=int(int(row["rating"]) >= 3)) for row in vandyke_rows])


@pytest.fixture(scope="session")
def franken() -> MRMCDesign:
    return design_from_rows(read_rows("franken.csv"))
