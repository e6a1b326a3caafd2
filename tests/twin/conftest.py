"""Shared fixtures for the twin's tests."""

import numpy as np
import pytest

from twin import Scenario, get_parameter_set


@pytest.fixture
def rng():
    """A fresh seeded generator per test."""
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def domestic():
    """The domestic parameter set."""
    return get_parameter_set("domestic")


@pytest.fixture(scope="session")
def tolled():
    """The tolled (Japan) parameter set."""
    return get_parameter_set("tolled")


@pytest.fixture
def scenario():
    """Default scenario: one year, 500 t/yr oxide, N42."""
    return Scenario()
