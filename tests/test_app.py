"""The page under Streamlit's AppTest: defaults, controls, live vs structural changes, compare, URL."""
import csv
import io
import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from gancore import TrainConfig
from gancore.config import TEXT_FIELDS
from gancore.procrunner import ProcessRunner

APP = "../playground/app.py"


def start(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def runs(at):
    return at.session_state["_runs"]


def widget(at, name, prefix="cfg."):
    """A sidebar widget by the setting it edits (a TrainConfig field, or a page key such as "compare")."""
    key = f"w.{prefix}{name}" if name in TEXT_FIELDS or prefix != "cfg." else f"w.{name}"
    for kind in ("selectbox", "slider", "select_slider", "number_input", "toggle", "multiselect", "radio"):
        for w in getattr(at.sidebar, kind):
            if w.key == key:
                return w
    raise KeyError(key)


def status(at, run="a"):
    return runs(at)[run].snapshot()


@pytest.fixture
def at():
    app = start()
    yield app
    runs(app).close()


def test_defaults_render_without_exception_and_with_every_control(at):
    assert not at.exception
    labels = {b.label for b in at.button}
    assert {"Play", "Step", "Step D", "Step G", "Reset"} <= labels
    assert status(at).config == TrainConfig()
    assert at.markdown[0].value.startswith("step **0**")


def test_every_setting_relevant_to_the_target_has_a_widget(at):
    hidden = {"grid_spacing", "grid_std", "data_noise"}          # not used by ring8
    for name in TEXT_FIELDS:
        if name not in hidden:
            widget(at, name)
    with pytest.raises(KeyError):
        widget(at, "grid_std")


def test_step_buttons_advance_the_run_and_reset_returns_to_zero(at):
    at.button(key="step").click().run()
    assert status(at).step == 1 and "step **1**" in at.markdown[0].value
    at.button(key="step_d").click().run()
    at.button(key="step_g").click().run()
    assert status(at).step == 3
    at.button(key="reset").click().run()
    assert status(at).step == 0


def test_play_starts_background_training_and_pause_stops_it(at):
    at.button(key="play").click().run()
    assert runs(at)["a"].running
    assert at.button(key="play").label == "Pause"
    at.button(key="play").click().run()
    assert not runs(at)["a"].running


def test_live_setting_changes_the_run_without_resetting_it(at):
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    widget(at, "d_lr").set_value(0.01).run()
    widget(at, "loss").set_value("hinge").run()
    snap = runs(at)["a"]
    assert snap.config.d_lr == 0.01 and snap.config.loss == "hinge" and status(at).step == 2
    assert at.query_params["d_lr"] == "0.01"


def test_structural_setting_starts_a_fresh_run_and_says_so(at):
    at.button(key="step").click().run()
    widget(at, "g_layers").set_value(3).run()
    assert status(at).step == 0 and runs(at)["a"].config.g_layers == 3
    assert any("fresh run" in i.value for i in at.info)


def test_target_thumbnail_button_picks_the_target(at):
    at.button(key="pick-moons").click().run()
    assert runs(at)["a"].config.target == "moons"
    widget(at, "data_noise")          # moons' own parameter now shows


def test_compare_mode_runs_two_with_same_weights_differing_in_loss(at):
    widget(at, "compare").set_value(True).run()
    a, b = runs(at)["a"], runs(at)["b"]
    assert isinstance(a.run, ProcessRunner) and isinstance(b.run, ProcessRunner)    # no shared GIL
    assert (a.config.loss, b.config.loss) == ("nonsaturating", "minimax")
    assert a.config.replace(loss="minimax") == b.config
    assert at.query_params["compare"] == "1" and at.query_params["b.loss"] == "minimax"
    at.button(key="step").click().run()
    assert a.snapshot().step == b.snapshot().step == 1
    widget(at, "compare").set_value(False).run()
    assert not runs(at).has("b") and b.run._process.poll() is not None      # B's process has ended


def test_url_settings_are_applied_and_bad_ones_ignored_with_a_notice():
    at = start(d_lr="0.05", loss="minimax", g_width="99999", d_steps="abc", bogus="1", seed="7")
    config = runs(at)["a"].config
    assert (config.d_lr, config.loss, config.seed) == (0.05, "minimax", 7)
    assert config.g_width == TrainConfig().g_width and config.d_steps == TrainConfig().d_steps
    notes = " ".join(w.value for w in at.warning)
    assert "g_width" in notes and "d_steps" in notes and "bogus" in notes
    assert not at.exception
    runs(at).close()


def test_url_compare_mode_reproduces_both_runs():
    at = start(compare="1", **{"b.d_steps": "5"})
    assert runs(at)["b"].config.d_steps == 5 and runs(at)["a"].config.d_steps == 1
    runs(at).close()


def test_garbage_url_never_shows_a_traceback():
    at = start(target="../../etc/passwd", compare="yes", **{"b.loss": "nope", "b.g_width": "-3", "batch_size": "nan"})
    assert not at.exception
    assert runs(at)["a"].config == TrainConfig()
    runs(at).close()


def test_switching_targets_while_playing_keeps_every_setting(at):
    """Issue 9: ring8 -> grid25 -> swissroll -> ring8 used to raise KeyError, then bring the ring
    back at its fields' minimums: hidden target parameters lost their values."""
    widget(at, "ring_radius").set_value(3.0).run()
    widget(at, "d_lr").set_value(0.002).run()
    at.button(key="play").click().run()
    for target in ("grid25", "swissroll", "ring8"):
        at.button(key=f"pick-{target}").click().run()
        assert not at.exception, at.exception
    config = runs(at)["a"].config
    assert (config.target, config.ring_radius, config.ring_std, config.d_lr) == ("ring8", 3.0, 0.02, 0.002)
    assert widget(at, "ring_radius").value == 3.0 and widget(at, "ring_std").value == 0.02
    assert at.query_params["ring_radius"] == "3.0"


def test_run_b_settings_survive_leaving_and_reentering_compare_mode(at):
    widget(at, "compare").set_value(True).run()
    widget(at, "loss", "b.").set_value("hinge").run()
    widget(at, "compare").set_value(False).run()
    widget(at, "compare").set_value(True).run()
    assert runs(at)["b"].config.loss == "hinge" and widget(at, "loss", "b.").value == "hinge"
    assert not at.exception


def test_cuda_in_a_link_is_ignored_with_a_notice_on_a_machine_without_it():
    at = start(device="cuda", **{"b.device": "cuda"}, compare="1")
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    assert "device" in notes and "CUDA" in notes.upper()
    assert runs(at)["a"].config.device == "auto"
    assert "device" not in at.query_params and "b.device" not in at.query_params
    runs(at).close()


def test_controls_are_labelled_for_people_with_the_field_name_in_the_tooltip(at):
    w = widget(at, "d_steps")
    assert w.label == "k: D steps per G step" and "`d_steps`" in w.help
    assert widget(at, "d_lr").label == "learning rate (D)"
    assert widget(at, "d_head_start").label == "D head start (steps)"


def test_the_dirac_page_opens_from_a_link_and_keeps_the_2d_settings():
    at = start(page="dirac", loss="hinge", **{"dirac.r1_weight": "1.0", "dirac.h": "0.5"})
    assert not at.exception, at.exception
    assert widget(at, "r1_weight", "dirac.").value == 1.0 and widget(at, "h", "dirac.").value == 0.5
    assert at.query_params["page"] == "dirac" and at.query_params["dirac.r1_weight"] == "1.0"
    assert at.query_params["loss"] == "hinge"                  # the 2D run's settings wait in the link
    widget(at, "page").set_value("plane").run()
    assert not at.exception and runs(at)["a"].config.loss == "hinge"
    assert at.query_params["dirac.r1_weight"] == "1.0"         # and the Dirac ones in turn
    runs(at).close()


def test_a_lesson_link_loads_its_settings_starts_and_the_link_overrides_it():
    at = start(lesson="saturating", g_lr="0.02")
    assert not at.exception, at.exception
    a, b = runs(at)["a"], runs(at)["b"]
    assert (a.config.loss, a.config.g_optimizer, a.config.g_lr, a.config.d_head_start) == ("minimax", "sgd", 0.02, 300)
    assert b.config.loss == "nonsaturating" and a.running and b.running       # one click: loaded and started
    assert at.query_params["lesson"] == "saturating" and at.query_params["g_lr"] == "0.02"
    assert "g_optimizer" not in at.query_params                              # the lesson says it already
    assert any("What to watch" in m.value for m in at.markdown)
    at.button(key="lesson-leave").click().run()
    assert "lesson" not in at.query_params and at.query_params["g_optimizer"] == "sgd"   # settings stay
    runs(at).close()


def test_a_lesson_button_loads_the_dirac_lesson_with_its_two_runs(at):
    at.button(key="lesson-dirac").click().run()
    assert not at.exception, at.exception
    assert at.query_params["lesson"] == "dirac" and widget(at, "page").value == "dirac"
    assert any(m.value.startswith("**B: R1") for m in at.markdown)


def test_a_classroom_link_hides_chosen_controls_but_keeps_their_values():
    at = start(hide="loss,d_lr", d_lr="0.005")
    assert not at.exception
    with pytest.raises(KeyError):
        widget(at, "loss")
    assert runs(at)["a"].config.d_lr == 0.005 and at.query_params["hide"] == "loss,d_lr"
    runs(at).close()


def view_source(at, key="view-a"):
    """The frame-feed address the run view's chart was given (what it will show)."""
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args)
        if args.get("source") and f"run={key[-1]}" in args["source"]:
            return args["source"]
    raise KeyError(key)


def test_paused_run_can_be_scrubbed_back_and_returns_to_live(at):
    for _ in range(3):
        at.button(key="step").click().run()
    slider = at.select_slider(key="w.scrub_step")
    assert slider.options == ["0", "1", "2", "3"] and slider.value == 3
    assert "at=" not in view_source(at)
    slider.set_value(1).run()
    assert "at=1" in view_source(at)                       # the view asks the feed for step 1
    at.button(key="live").click().run()
    assert "at=" not in view_source(at) and "replay=" not in view_source(at)
    at.button(key="replay").click().run()
    assert "replay=" in view_source(at)
    assert kept_value(at, "replay_from") == pytest.approx(time.time(), abs=30)


def test_history_csv_carries_every_metric_the_charts_show(at):
    from playground.export_panel import history_csv
    for _ in range(2):
        at.button(key="step").click().run()
    snap = runs(at)["a"].snapshot()
    rows = list(csv.DictReader(io.StringIO(history_csv(snap))))
    assert {"loss_d", "d_penalty", "loss_g", "d_real", "d_fake", "d_grad_norm", "g_grad_norm",
            "js", "w1", "modes", "hq", "occupancy_mode_1", "js_floor"} <= set(rows[0])
    assert [int(r["step"]) for r in rows] == sorted(set(snap.history["step"]) | set(snap.metric_history["step"]))
    assert float(rows[-1]["loss_d"]) == pytest.approx(snap.history["loss_d"][-1])
    assert float(rows[-1]["js"]) == pytest.approx(snap.metric_history["js"][-1])
    assert float(rows[-1]["js_floor"]) == pytest.approx(snap.metric_floor["js"])


def kept_value(at, key):
    return at.session_state["_kept"].get(key)


def test_picking_a_target_on_a_line_shows_its_settings_and_the_papers_uniform_z(at):
    at.button(key="pick-gauss1d").click().run()
    assert not at.exception, at.exception
    config = runs(at)["a"].config
    assert (config.target, config.noise) == ("gauss1d", "uniform")
    with pytest.raises(KeyError):
        widget(at, "noise_dim")                      # a line's z is one number: nothing to set
    assert not [t for t in at.sidebar.toggle if t.key == "w.view.manifold"]
    at.button(key="pick-ring8").click().run()
    assert widget(at, "noise_dim").value == 2 and runs(at)["a"].config.noise == "uniform"   # kept as set


def test_the_game_lesson_opens_on_the_line_and_plays():
    at = start(lesson="game")
    assert not at.exception, at.exception
    a = runs(at)["a"]
    assert a.config.target == "gauss1d" and a.running and not runs(at).has("b")
    assert a.snapshot().dim == 1
    runs(at).close()
