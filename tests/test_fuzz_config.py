"""Property tests over the config space: whatever validates trains; whatever does not is refused by name."""
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gancore import ConfigError, Runner, RunState, TrainConfig
from gancore.config import FIELDS, TEXT_FIELDS, parse_field, spec_of

# Keep the networks and batches small enough that a few steps stay fast; the bounds themselves are
# tested one by one in test_config.
SMALL_CAPS = {"g_width": 48, "d_width": 48, "batch_size": 128, "d_steps": 3, "g_steps": 2, "d_head_start": 3}


def valid_value(name: str):
    spec, kind = spec_of(name), FIELDS[name].type
    if spec.choices:
        choices = [c for c in spec.choices if c not in ("points", "cuda")]
        return st.sampled_from(choices)
    high = min(spec.high, SMALL_CAPS.get(name, spec.high))
    numbers = (st.integers(int(spec.low), int(high)) if kind == "int"
               else st.floats(spec.low, high, allow_nan=False, allow_infinity=False))
    return st.one_of(st.none(), numbers) if spec.optional else numbers


def any_value(name: str):
    """Anything a link, a form or a script might hand over."""
    return st.one_of(valid_value(name), st.floats(), st.integers(-10**9, 10**9), st.text(max_size=5),
                     st.booleans(), st.none())


valid_configs = st.fixed_dictionaries({n: valid_value(n) for n in TEXT_FIELDS if n != "device"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs)
def test_any_valid_config_trains_a_few_steps_without_an_exception(values):
    runner = Runner(TrainConfig(**values).validate())
    runner.step(n=3)
    snap = runner.snapshot()
    runner.close()
    # Wild settings may diverge, which is a result, not a crash: the state says so.
    assert snap.state in (RunState.PAUSED, RunState.DIVERGED), snap.status
    assert snap.step == 3 or snap.diverged


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TEXT_FIELDS).flatmap(lambda n: st.tuples(st.just(n), any_value(n))))
def test_any_value_is_accepted_or_refused_with_the_fields_name(pair):
    name, value = pair
    try:
        TrainConfig().replace(**{name: value}).validate()
    except ConfigError as err:
        assert str(err).startswith(f"{name}: ") and err.field == name
    else:
        spec = spec_of(name)
        if spec.choices:
            assert value in spec.choices
        else:
            assert (value is None and spec.optional) or (
                type(value) in (int, float) and math.isfinite(value) and spec.low <= value <= spec.high), value


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TEXT_FIELDS), st.text(max_size=12))
def test_any_text_from_a_url_or_cli_parses_or_is_refused_by_name(name, text):
    try:
        value = parse_field(name, text)
    except ConfigError as err:
        assert str(err).startswith(f"{name}: ")
    else:
        TrainConfig().replace(**{name: value}).validate()
