"""Frames as images and animations: colours of the app's scale where the surface says so, points and
arrows where their coordinates say, the step written; GIF and MP4 files that decode to the frames;
the CLI's --animate end to end."""
import dataclasses
import io
import json
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import imageio.v3 as iio
from gancore import animation, render
from gancore.cli import main
from gancore.config import TrainConfig
from gancore.palette import D_SCALE
from gancore.render import (ARROW_I, FAKE_I, LEVELS, PALETTE, REAL_I, WHITE, caption, draw_frame, render_frame,
                            render_pair)
from gancore.snapshot import Snapshot
from gancore.timeline import Timeline, paired
from gancore.trainer import Trainer
from gancore.views import Probe
from tests.support import one_torch_thread  # noqa: F401 (autouse fixture)

SMALL = TrainConfig(g_width=32, d_width=32, batch_size=64)
SMALL_FLAGS = ["--g-width", "32", "--d-width", "32", "--batch-size", "64"]
NO_POINTS = np.zeros((0, 2))



@pytest.fixture(scope="module")
def timeline() -> Timeline:
    """12 frames of a short run, 10 steps apart."""
    torch.set_num_threads(1)
    trainer = Trainer(SMALL)
    probe = Probe(trainer)
    frames = Timeline()
    frames.record(probe.snapshot("running", 0.0))
    while trainer.step < 110:
        for _ in range(10):
            trainer.iterate()
        frames.record(probe.snapshot("running", 0.0, with_metrics=False))
    return frames


@pytest.fixture(scope="module")
def snap(timeline) -> Snapshot:
    return timeline.at(50)


def bare(snap: Snapshot, **changes) -> Snapshot:
    """snap with no points unless given, a square extent and a flat D(x) = 1/2 unless given."""
    defaults = dict(real=NO_POINTS, fake=NO_POINTS, g_field=NO_POINTS, extent=(-2.0, 2.0, -2.0, 2.0),
                    d_surface=np.full((64, 64), 0.5), surface_probability=True, surface_range=(0.0, 1.0))
    return dataclasses.replace(snap, **{**defaults, **changes})


def plot_box(image: np.ndarray) -> tuple[slice, slice]:
    """Rows and columns of the plot area: where the surface (palette entries below LEVELS) is."""
    rows, cols = np.nonzero(image < LEVELS)
    return slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1)


# ---- colours -----------------------------------------------------------------------------------
def test_the_colour_scale_runs_through_the_apps_stops():
    hexes = [render.rgb(c) for _, c in D_SCALE]
    assert tuple(PALETTE[0]) == hexes[0] and tuple(PALETTE[LEVELS - 1]) == hexes[-1]
    middle = PALETTE[(LEVELS - 1) // 2: (LEVELS - 1) // 2 + 2].astype(int)     # around D = 1/2
    assert np.abs(middle - hexes[2]).max() <= 2
    assert render.rgb("rgba(60, 60, 60, 0.35)") == (187, 187, 187)       # 255 + 0.35 (60 - 255), over white


def test_a_score_surface_is_coloured_over_the_snapshots_own_range(snap):
    # The probe sets the range (views.ScoreScale); the frame must agree with the app, not redo it.
    def plot(value: float) -> np.ndarray:
        score = bare(snap, d_surface=np.full((64, 64), value), surface_probability=False, surface_range=(-2.0, 2.0))
        image = draw_frame(score)
        return image[plot_box(draw_frame(bare(snap)))]
    assert (plot(-2.0) == 0).all() and (plot(2.0) == LEVELS - 1).all() and (plot(9.0) == LEVELS - 1).all()
    assert np.abs(plot(0.0).astype(int) - (LEVELS - 1) / 2).max() <= 1


def test_the_surface_takes_the_colour_of_its_value(snap):
    x = np.linspace(0.0, 1.0, 64)
    ramp = bare(snap, d_surface=np.tile(x, (64, 1)))                # D rises from 0 (left) to 1 (right)
    image = draw_frame(ramp)
    rows, cols = plot_box(image)
    plot = image[rows, cols]
    assert plot.shape[0] == plot.shape[1]                            # a square extent stays square
    assert (plot[:, 0] == 0).all() and (plot[:, -1] == LEVELS - 1).all()
    assert np.all(np.diff(plot[plot.shape[0] // 2].astype(int)) >= 0)
    middle = plot[:, plot.shape[1] // 2]
    assert np.abs(middle.astype(int) - (LEVELS - 1) / 2).max() <= 1
    # Rows along y: a surface high at the top (y1) is drawn high at the top of the image.
    image = draw_frame(bare(snap, d_surface=np.tile(x[:, None], (1, 64))))
    plot = image[plot_box(image)]
    assert (plot[0] == LEVELS - 1).all() and (plot[-1] == 0).all()


def test_undefined_surface_values_show_the_background(snap):
    z = np.full((64, 64), 0.5)
    z[:, :16] = np.nan
    plot = draw_frame(bare(snap, d_surface=z))[plot_box(draw_frame(bare(snap)))]
    assert (plot[:, :plot.shape[1] // 5] == WHITE).all() and (plot[:, plot.shape[1] // 2:] < LEVELS).all()


# ---- points and arrows --------------------------------------------------------------------------
def test_points_land_where_their_coordinates_say(snap):
    fake, real = np.array([[-1.0, 1.0]]), np.array([[1.0, -1.0]])   # upper left, lower right
    image = draw_frame(bare(snap, fake=fake, real=real, g_field=np.zeros((1, 2))), arrows=False)
    rows, cols = plot_box(draw_frame(bare(snap)))
    h, w = rows.stop - rows.start, cols.stop - cols.start
    for index, (fx, fy) in ((FAKE_I, (0.25, 0.25)), (REAL_I, (0.75, 0.75))):
        r, c = np.nonzero(image == index)
        assert len(r) > 5
        assert abs(r.mean() - (rows.start + fy * h)) <= 1 and abs(c.mean() - (cols.start + fx * w)) <= 1


def test_arrows_follow_gs_push_and_are_clipped(snap):
    start = np.array([[0.0, 0.0]])
    rows, cols = plot_box(draw_frame(bare(snap)))
    per_unit = (cols.stop - cols.start) / 4.0
    for push, length in ((10.0, 0.5), (100.0, render.MAX_ARROW)):    # ARROW_SCALE * push, clipped at 0.6
        image = draw_frame(bare(snap, fake=start, g_field=np.array([[push, 0.0]])))
        r, c = np.nonzero(image == ARROW_I)
        assert np.ptp(r) == 0                                          # horizontal
        assert abs((c.max() - cols.start) - (2.0 + length) * per_unit) <= 1.5   # tip at x = 0 + length
    assert not (draw_frame(bare(snap, fake=start, g_field=np.array([[10.0, 0.0]])), arrows=False) == ARROW_I).any()


def test_the_manifold_is_drawn_when_asked(snap):
    line = np.stack([np.linspace(-1.0, 1.0, 50), np.zeros(50)], 1)[:, None, :]     # 1-D noise: a curve
    curve = bare(snap, manifold=line)
    assert not (draw_frame(curve) == render.MANIFOLD_I).any()
    r, c = np.nonzero(draw_frame(curve, manifold=True) == render.MANIFOLD_I)
    rows, cols = plot_box(draw_frame(bare(snap)))
    width = cols.stop - cols.start
    assert np.ptp(r) == 0 and abs(np.ptp(c) - width / 2) <= 2        # from x = -1 to 1 of [-2, 2]
    grid = bare(snap, manifold=np.stack(np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)), -1))
    r, c = np.nonzero(draw_frame(grid, manifold=True) == render.MANIFOLD_I)
    assert len(np.unique(r)) > width / 3 and len(np.unique(c)) > width / 3     # rows and columns of G(z)


def test_points_outside_the_extent_are_left_out(snap):
    far = np.array([[50.0, 0.0], [0.0, -1e9], [np.nan, 0.0]])
    image = draw_frame(bare(snap, fake=far, g_field=np.zeros_like(far)))
    assert not (image == FAKE_I).any()


# ---- text and layout ----------------------------------------------------------------------------
def test_the_step_and_losses_are_written_on_the_frame(timeline):
    early, late = timeline.at(10), timeline.at(110)
    assert caption(late).startswith("step 110   D loss ") and "G loss" in caption(late)
    assert caption(dataclasses.replace(late, step=12345)).startswith("step 12,345")
    header = slice(0, render.SIZE // 16)
    a, b = draw_frame(early)[header], draw_frame(late)[header]
    assert (a != WHITE).sum() > 100 and (a != b).any()


def test_a_frame_is_rgb_of_the_size_asked(snap):
    image = render_frame(snap)
    assert image.shape == (480, 480, 3) and image.dtype == np.uint8
    assert render_frame(snap, size=200, manifold=True).shape == (200, 200, 3)
    np.testing.assert_array_equal(image, PALETTE[draw_frame(snap)])


def test_a_pair_is_two_labelled_frames_side_by_side(timeline):
    a, b = timeline.at(30), timeline.at(90)
    pair = render_pair(a, b)
    assert pair.shape == (480, 960, 3)
    np.testing.assert_array_equal(pair[:, :480], render_frame(a, label="A"))
    np.testing.assert_array_equal(pair[:, 480:], render_frame(b, label="B"))
    assert not np.array_equal(render_frame(a, label="A"), render_frame(a))


# ---- animations ---------------------------------------------------------------------------------
def test_a_gif_decodes_to_exactly_the_drawn_frames(timeline, tmp_path):
    path = tmp_path / "run.gif"
    written = animation.export_animation(timeline.replay(), path, fps=10)
    assert written == [(int(s),) for s in timeline.steps()]
    with Image.open(path) as gif:
        assert gif.n_frames == len(timeline) and gif.size == (480, 480)
        assert gif.info["duration"] == 100
    frames = iio.imread(path, index=None)[..., :3]
    snaps = list(timeline.replay())
    for i in (0, len(snaps) // 2, -1):          # every colour is in the palette: nothing is lost
        np.testing.assert_array_equal(frames[i], render_frame(snaps[i]))


def test_an_mp4_decodes_to_the_drawn_frames_in_order(timeline, tmp_path):
    path = tmp_path / "run.mp4"
    written = animation.export_animation(timeline.replay(), path, fps=20)
    assert len(written) == len(timeline)
    frames = iio.imread(path, index=None)
    assert frames.shape == (len(timeline), 480, 480, 3)
    snaps = list(timeline.replay())
    first, last = render_frame(snaps[0]).astype(int), render_frame(snaps[-1]).astype(int)
    # Lossy, but close to its own frame and far from the other end's: the order and steps are right.
    for got, own, other in ((frames[0], first, last), (frames[-1], last, first)):
        error, apart = np.abs(got - own).mean(), np.abs(got - other).mean()
        assert error < 3 and apart > 3 * error


def test_two_runs_export_side_by_side(timeline, tmp_path):
    short = Timeline()
    for s in list(timeline.replay())[:5]:
        short.record(s)
    path = tmp_path / "pair.gif"
    written = animation.export_animation(paired(timeline, short), path, labels=("A", "B"))
    assert written[0] == (0, 0) and written[-1] == (110, 40)        # the short run holds its last frame
    with Image.open(path) as gif:
        assert gif.size == (960, 480) and gif.n_frames == len(timeline)


def test_export_bytes_are_the_files_bytes(timeline):
    snaps = list(timeline.replay())[:3]
    gif, mp4 = animation.export_bytes(snaps, "gif"), animation.export_bytes(snaps, ".mp4")
    assert gif[:6] == b"GIF89a" and Image.open(io.BytesIO(gif)).n_frames == 3
    assert mp4[4:8] == b"ftyp"


def test_an_unknown_extension_names_the_valid_ones(timeline, tmp_path):
    with pytest.raises(ValueError, match=r"\.gif or \.mp4.*not \.avi"):
        animation.export_animation(timeline.replay(), tmp_path / "run.avi")
    with pytest.raises(ValueError, match="no frames"):
        animation.export_animation([], tmp_path / "run.mp4")
    assert not (tmp_path / "run.mp4").exists()
    with pytest.raises(ValueError, match="not a name without one"):
        animation.format_of("run")
    assert animation.format_of("RUN.GIF") == ".gif"


def test_a_missing_encoder_names_the_install_command(monkeypatch, timeline, tmp_path):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)       # as if it were not installed
    with pytest.raises(ImportError, match="pip install imageio imageio-ffmpeg Pillow"):
        animation.export_animation(timeline.replay(), tmp_path / "run.mp4")
    assert not (tmp_path / "run.mp4").exists()
    animation.check_available(".gif")                              # Pillow alone writes a GIF


# ---- the command line ---------------------------------------------------------------------------
def test_cli_train_animate_writes_the_whole_run_without_changing_it(capsys, tmp_path):
    path = tmp_path / "run.gif"
    assert main(["train", *SMALL_FLAGS, "--steps", "40", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["train", *SMALL_FLAGS, "--steps", "40", "--json", "--animate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["metrics"] == plain["metrics"]           # frames do not touch the training
    assert err.strip() == f"animation: {path} (41 frames)"          # step 0, then every step of 40
    frames = iio.imread(path, index=None)[..., :3]
    assert frames.shape == (41, 480, 480, 3)
    assert not np.array_equal(frames[0], frames[-1])


def test_cli_compare_animate_puts_the_runs_side_by_side(capsys, tmp_path):
    path = tmp_path / "both.mp4"
    assert main(["compare", *SMALL_FLAGS, "--steps", "20", "--animate", str(path)]) == 0
    assert "(21 frames)" in capsys.readouterr().err
    assert iio.imread(path, index=None).shape == (21, 480, 960, 3)


@pytest.mark.parametrize("target, words", [("run.avi", ".gif or .mp4"), ("no/such/folder/run.gif", "does not exist")])
def test_cli_bad_animation_path_is_one_line_before_any_training(capsys, tmp_path, target, words):
    # 10 million steps: returning at all shows nothing trained.
    assert main(["train", "--steps", "10000000", "--animate", str(tmp_path / target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("error: argument --animate:") and words in err


def test_a_run_on_a_line_is_drawn_as_the_papers_figure_and_exports(tmp_path):
    from gancore import Runner
    from gancore.palette import REAL
    runner = Runner(TrainConfig(target="gauss1d", noise="uniform", g_width=16, d_width=16, batch_size=64))
    try:
        first = runner.snapshot()
        runner.step(n=30)
        later = runner.snapshot()
    finally:
        runner.close()
    image = render_frame(later, size=240)
    assert image.shape == (240, 240, 3)
    colours = {tuple(c) for c in image.reshape(-1, 3)}
    assert {(0, 0, 0), render.rgb(REAL), render.rgb(render.D_LINE)} <= colours   # p_data, p_g, D(x)
    assert (render_frame(first, size=240) != image).any()
    path = tmp_path / "line.gif"
    steps = animation.export_animation([first, later], path, fps=5, size=240)
    assert [s[0] for s in steps] == [0, 30] and path.stat().st_size > 0
