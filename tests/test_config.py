"""TrainConfig: defaults validate, bad values are rejected by name, text parsing never loses a run."""
import dataclasses
import json
import math

import pytest

from gancore.config import (FIELDS, LIVE_FIELDS, TEXT_FIELDS, ConfigError, TrainConfig, config_from_dict, from_text,
                            parse_field, spec_of)


def test_defaults_validate_and_config_is_frozen():
    c = TrainConfig().validate()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.d_lr = 1.0


def test_every_field_has_a_spec_with_help():
    for name in FIELDS:
        assert spec_of(name).help, name


def test_live_fields_are_the_ones_an_optimiser_can_take_mid_run():
    assert {"d_lr", "g_lr", "d_steps", "g_steps", "loss", "gp_weight", "r1_weight"} <= LIVE_FIELDS
    assert not {"target", "noise", "noise_dim", "g_layers", "g_width", "d_layers", "d_width", "seed"} & LIVE_FIELDS


def numeric_fields():
    return [n for n in TEXT_FIELDS if spec_of(n).low is not None]


@pytest.mark.parametrize("name", numeric_fields())
def test_numeric_bounds_are_inclusive_and_beyond_is_rejected_by_name(name):
    spec = spec_of(name)
    TrainConfig().replace(**{name: _typed(name, spec.low)}).validate()
    TrainConfig().replace(**{name: _typed(name, spec.high)}).validate()
    for bad in (spec.low - 1, spec.high + 1, math.nan, math.inf, "3", True):
        value = bad if isinstance(bad, (str, bool)) or not math.isfinite(bad) else _typed(name, bad)
        with pytest.raises(ConfigError, match=f"^{name}: "):
            TrainConfig().replace(**{name: value}).validate()


def _typed(name, v):
    return int(v) if FIELDS[name].type == "int" else float(v)


def test_whole_number_fields_reject_fractions():
    with pytest.raises(ConfigError, match="d_steps: 1.5 is not a whole number"):
        TrainConfig(d_steps=1.5).validate()


@pytest.mark.parametrize("name", [n for n in FIELDS if spec_of(n).choices])
def test_choice_fields_reject_unknown_values_and_list_the_valid_ones(name):
    with pytest.raises(ConfigError, match=f"{name}: 'bogus' is not one of {spec_of(name).choices[0]}"):
        TrainConfig().replace(**{name: "bogus"}).validate()


def test_message_names_field_value_and_range():
    with pytest.raises(ConfigError) as err:
        TrainConfig(d_lr=-1.0).validate()
    assert str(err.value) == "d_lr: -1.0 is outside the range 0 to 10"
    assert err.value.field == "d_lr"


def test_gp_weight_empty_means_the_losses_own():
    assert TrainConfig(loss="wgan-gp").effective_gp_weight == 10.0
    assert TrainConfig(loss="nonsaturating").effective_gp_weight == 0.0
    assert TrainConfig(loss="wgan-gp", gp_weight=0.0).effective_gp_weight == 0.0


def test_points_target_needs_three_finite_points():
    with pytest.raises(ConfigError, match="at least 3 points"):
        TrainConfig(target="points", points=((0.0, 0.0), (1.0, 1.0))).validate()
    with pytest.raises(ConfigError, match="points"):
        TrainConfig(target="points", points=((0.0, 0.0), (1.0, math.nan), (2.0, 2.0))).validate()
    TrainConfig(target="points", points=((0.0, 0.0), (1.0, 1.0), (2.0, 0.5))).validate()


def test_parse_field_reads_text_and_rejects_garbage_by_name():
    assert parse_field("d_lr", "0.05") == 0.05
    assert parse_field("d_steps", " 3 ") == 3
    assert parse_field("gp_weight", "") is None
    for name, text in [("d_lr", "fast"), ("d_steps", "2.5"), ("d_lr", "nan"), ("batch_size", "1e9"),
                       ("loss", "bogus"), ("g_layers", "")]:
        with pytest.raises(ConfigError, match=f"^{name}: "):
            parse_field(name, text)
    with pytest.raises(ConfigError, match="not a setting"):
        parse_field("points", "1,2")


def test_from_text_keeps_good_values_and_reports_each_bad_one():
    config, problems = from_text({"d_lr": "0.01", "loss": "minimax", "g_width": "99999", "bogus": "1"})
    assert config.d_lr == 0.01 and config.loss == "minimax" and config.g_width == TrainConfig().g_width
    assert len(problems) == 2 and any("g_width" in p for p in problems) and any("bogus" in p for p in problems)


def test_from_text_round_trips_every_text_field():
    want = TrainConfig(target="grid25", loss="wgan-gp", d_lr=0.0003, d_steps=5, noise="uniform", seed=42,
                       gp_weight=5.0, activation="tanh")
    texts = {n: str(v) for n, v in want.to_dict().items() if n in TEXT_FIELDS}
    assert from_text(texts) == (want, [])


def test_an_exported_config_loads_back_and_a_bad_one_is_refused_by_name():
    config = TrainConfig(loss="hinge", d_lr=0.005, gp_weight=None, target="grid25")
    assert config_from_dict(json.loads(json.dumps(config.to_dict()))) == config
    points = TrainConfig(target="points", points=((0.0, 0.0), (1.0, 0.5), (-0.5, 1.0)))
    assert config_from_dict(json.loads(json.dumps(points.to_dict()))) == points
    with pytest.raises(ConfigError, match=r"^d_lr: -1.0 is outside the range 0 to 10$"):
        config_from_dict({**config.to_dict(), "d_lr": -1})
    with pytest.raises(ConfigError, match="^colour: is not a setting"):
        config_from_dict({"colour": "red"})
