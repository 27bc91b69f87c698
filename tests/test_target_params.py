"""Which target reads which parameter (gancore.targets.TARGET_PARAMS): the sidebar hides the rest, so it must be right."""
import dataclasses

import numpy as np
import pytest

from gancore.targets import TARGET_PARAMS, TARGETS, TargetParams, make_target

POINTS = ((0.0, 0.0), (1.0, 0.5), (-0.5, 1.0))
CHANGED = {"ring_radius": 3.0, "ring_std": 0.3, "grid_spacing": 1.0, "grid_std": 0.2, "data_noise": 0.3,
           "points": ((0.0, 0.0), (2.0, 0.5), (-1.5, 1.0))}


def test_every_target_says_which_parameters_it_reads():
    assert set(TARGET_PARAMS) == set(TARGETS)
    names = {f.name for f in dataclasses.fields(TargetParams)}
    assert all(set(used) <= names for used in TARGET_PARAMS.values())


@pytest.mark.parametrize("key", list(TARGETS))
def test_a_target_changes_with_exactly_the_parameters_it_lists(key):
    base = TargetParams(points=POINTS)
    before = make_target(key, base).sample(200, np.random.default_rng(0))
    for name, value in CHANGED.items():
        after = make_target(key, dataclasses.replace(base, **{name: value})).sample(200, np.random.default_rng(0))
        assert (not np.array_equal(before, after)) == (name in TARGET_PARAMS[key]), f"{key} and {name}"
