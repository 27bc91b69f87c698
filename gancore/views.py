"""The probe: fixed inputs and the computations that turn a trainer's state into a Snapshot."""
from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from gancore import metrics
from gancore.history import History
from gancore.lineprobe import LINE_GRID, LineProbe
from gancore.losses import LOSSES, Loss
from gancore.noise import NOISE_SPAN, NOISES
from gancore.snapshot import METRIC_NAMES, RunState, Snapshot, readonly
from gancore.targets import Target
from gancore.trainer import Trainer

_frames = itertools.count(1)      # process-wide serial numbers of pictures (Snapshot.frame)

N_SHOWN = 512        # real and fake points drawn on the plot (on a line: the fakes behind p_g's KDE)
N_EVAL = 2500        # samples for the metrics (VEEGAN's count for modes / high quality)
GRID = 64            # resolution of the D(x) and D* surfaces
MANIFOLD_2D = 21     # z grid for the manifold mesh (noise_dim >= 2)
MANIFOLD_1D = 200    # z points for the manifold curve (noise_dim == 1)
JS_BINS = 50
METRIC_ROWS = 1024   # rows kept of the metric history (and of the mode occupancy beside it)


class Probe:
    """Fixed real points, fixed z and a fixed grid, drawn once per run, so frames move smoothly.

    All draws come from the run's own "probe" seed: two runs with the same seed are probed at the
    same points, which is what makes a side-by-side comparison fair.
    """

    def __init__(self, trainer: Trainer):
        self.trainer = trainer                 # the run it probes: its config, nets and step, read per frame
        t, c = trainer, trainer.config
        rng = np.random.default_rng(t.probe_seed)
        gen = torch.Generator(t.device).manual_seed(t.probe_seed)
        self.extent = t.target.extent
        self.real_eval = t.target.sample(N_EVAL, rng)
        self.real = readonly(self.real_eval[:N_SHOWN])
        self.z_eval = NOISES[c.noise](N_EVAL, t.z_dim, gen)
        self.z_shown = self.z_eval[:N_SHOWN]
        self.z_manifold, self.manifold_shape = _manifold_noise(c.noise, t.z_dim, t.device)
        # On a line: the x grid of the curves, p_data on it, and fakes at the prior's quantiles.
        self.line = LineProbe(t.target, c.noise, N_SHOWN, t.device) if t.target.dim == 1 else None
        if self.line is not None:
            self.z_shown = self.line.z_shown
            self.grid_x = self.grid_y = readonly(np.empty(0))
            grid = self.line.x_tensor                                   # (LINE_GRID, 1)
        else:
            x0, x1, y0, y1 = self.extent
            self.grid_x, self.grid_y = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
            gx, gy = np.meshgrid(self.grid_x, self.grid_y)              # (GRID, GRID), rows along y
            grid = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32, device=t.device)
        # The grid and the shown real points go through D in one pass: (GRID² + N_SHOWN, dim).
        self.grid_and_real = torch.cat([grid, torch.from_numpy(np.array(self.real)).to(t.device)])
        # What a perfect G would score: the metrics between two independent real samples (drawn
        # after real_eval, so the points above are those of every earlier version of the probe).
        self.metric_floor = metric_floor(t.target, self.real_eval, t.target.sample(N_EVAL, rng))
        self.metric_history = History(METRIC_NAMES, capacity=METRIC_ROWS)
        self.occupancy_history = History(tuple(f"mode_{i}" for i in range(len(t.target.centers))),
                                         capacity=METRIC_ROWS) if t.target.is_mixture else None
        self.latest_metrics: dict[str, float | None] = {n: None for n in METRIC_NAMES}
        self.optimal_d = OptimalD(t.target, self.grid_x, self.grid_y) if t.target.is_mixture and not self.line else None
        self.latest_optimal_d: tuple[np.ndarray, float] | None = None
        self.latest_occupancy = self._occupancy()      # rebuilt with the metrics, shared by the frames between
        self.score_scale = ScoreScale()

    def snapshot(self, state: RunState, steps_per_s: float, with_metrics: bool = True) -> Snapshot:
        """A frame of the run. Metrics, mode occupancy and D* (2,500 fresh fakes) only when asked:
        an ordinary frame runs G on the 512 shown points alone, which keeps the live view cheap."""
        t = self.trainer
        if self.line is not None:
            return self._line_snapshot(t, state, steps_per_s, with_metrics)
        loss = LOSSES[t.config.loss]
        # A score's colour range needs D at the shown real points too: (GRID² [+ N_SHOWN],) readouts.
        probed = self.grid_and_real if not loss.probability else self.grid_and_real[:GRID * GRID]
        with torch.no_grad():
            shown = t.G(self.z_shown)
            readout = loss.readout(t.scores(probed))
            manifold = t.G(self.z_manifold).reshape(*self.manifold_shape, 2)
        surface, real_readout = readout[:GRID * GRID].reshape(GRID, GRID), readout[GRID * GRID:]
        g_field, fake_scores = self._g_field(t, shown)
        surface_range = self._readout_range(t, loss, real_readout, fake_scores)
        if with_metrics:
            with torch.no_grad():
                fake_eval = t.G(self.z_eval).cpu().numpy()
            self._measure(t, fake_eval)
            self.latest_optimal_d = self.optimal_d(fake_eval) if self.optimal_d else None
        d_star, bandwidth = self.latest_optimal_d or (None, None)
        return self._frame(
            t, state, steps_per_s, loss, fake=readonly(shown.cpu().numpy()), g_field=readonly(g_field),
            grid_x=readonly(self.grid_x), grid_y=readonly(self.grid_y), d_surface=readonly(surface.cpu().numpy()),
            optimal_d=d_star, manifold=readonly(manifold.cpu().numpy()), surface_range=surface_range,
            optimal_d_bandwidth=bandwidth)

    def _line_snapshot(self, t: Trainer, state: RunState, steps_per_s: float, with_metrics: bool) -> Snapshot:
        """A frame of a run on a 1D target: the curves on the line and the z -> x map (Snapshot.line_*)."""
        loss, line = LOSSES[t.config.loss], self.line
        probed = self.grid_and_real if not loss.probability else self.grid_and_real[:LINE_GRID]
        sizes = [len(self.z_shown), len(line.z_line), len(self.z_manifold)]
        with torch.no_grad():
            x = t.G(torch.cat([self.z_shown, line.z_line, self.z_manifold]))     # (n + k + r, 1), one pass
            readout = loss.readout(t.scores(probed))
        shown, mapped, manifold = x.split(sizes)
        # -dL_G/dx at the shown fakes and at the map's G(z), in one pass through D
        push, fake_scores = self._g_field(t, torch.cat([shown, mapped]))
        surface_range = self._readout_range(t, loss, readout[LINE_GRID:], fake_scores[:sizes[0]])
        if with_metrics:
            with torch.no_grad():
                self._measure(t, t.G(self.z_eval).cpu().numpy())
        fake = readonly(shown.cpu().numpy())
        p_g, d_star, bandwidth = line.densities(fake)
        empty = readonly(np.empty((0, 0)))
        return self._frame(
            t, state, steps_per_s, loss, fake=fake, g_field=readonly(push[:sizes[0]]),
            grid_x=self.grid_x, grid_y=self.grid_y, d_surface=empty, optimal_d=None,
            manifold=readonly(manifold.cpu().numpy().reshape(*self.manifold_shape, 1)), surface_range=surface_range,
            dim=1, line_x=line.x, line_p_data=line.p_data, line_p_g=p_g,
            line_d=readonly(readout[:LINE_GRID].cpu().numpy().astype(np.float64)), line_d_star=d_star,
            line_bandwidth=bandwidth, line_z=line.z_values, line_gz=readonly(mapped[:, 0].cpu().numpy()),
            line_push=readonly(push[sizes[0]:, 0]))

    def _frame(self, t: Trainer, state: RunState, steps_per_s: float, loss: Loss, **views) -> Snapshot:
        """The Snapshot of this moment: the run's state and records, with the frame's views."""
        return Snapshot(
            step=t.step, state=state, steps_per_s=steps_per_s, config=t.config,
            target_label=t.target.label, extent=self.extent, real=self.real,
            surface_probability=loss.probability, equilibrium=loss.equilibrium, centers=t.target.centers,
            metrics=dict(self.latest_metrics), history=t.history.frozen(),
            metric_history=self.metric_history.frozen(), frame=next(_frames),
            mode_occupancy=self.latest_occupancy, metric_floor=dict(self.metric_floor), **views,
        )

    def _readout_range(self, t: Trainer, loss: Loss, real_readout: torch.Tensor,
                       fake_scores: torch.Tensor) -> tuple[float, float]:
        """[0, 1] for a probability; a score's range from its values at the shown real and fake points."""
        if loss.probability:
            return (0.0, 1.0)
        return self.score_scale.update(t.config.loss, loss, real_readout.cpu().numpy(),
                                       loss.readout(fake_scores).cpu().numpy())

    def _g_field(self, t: Trainer, shown: torch.Tensor) -> tuple[np.ndarray, torch.Tensor]:
        """(-dL_G/dx at each shown fake, D's raw scores there). -dL_G/dx is the direction that most
        lowers G's loss for that point; G's own step changes its weights, and moves each point only
        roughly that way (through G's Jacobian)."""
        x = shown.detach().requires_grad_(True)
        scores = t.scores(x)
        # Every loss is a mean of per-sample terms: scaling by n gives each point its own gradient.
        per_point_sum = LOSSES[t.config.loss].g_loss(scores) * len(x)
        (grad,) = torch.autograd.grad(per_point_sum, x)
        return (-grad).cpu().numpy(), scores.detach()

    def _occupancy(self) -> np.ndarray | None:
        """The occupancy history as one read-only (rows, modes) array; None without modes."""
        if self.occupancy_history is None:
            return None
        rows = self.occupancy_history.frozen()
        return readonly(np.stack([rows[n] for n in self.occupancy_history.names], axis=1))

    def _measure(self, t: Trainer, fake: np.ndarray) -> None:
        m = measure(t.target, self.real_eval, fake)
        if t.target.is_mixture:
            occupancy = metrics.mode_occupancy(fake, t.target.centers)
            self.occupancy_history.append(t.step, dict(zip(self.occupancy_history.names, occupancy.tolist())))
        self.latest_metrics = m
        self.latest_occupancy = self._occupancy()
        self.metric_history.append(t.step, {k: (math.nan if v is None else v) for k, v in m.items()})


def measure(target: Target, real: np.ndarray, fake: np.ndarray) -> dict[str, float | None]:
    """METRIC_NAMES of fake samples against real ones: JS and KL of histograms over the target's
    window, W1 (sliced in the plane, exact on a line), and modes and hq for mixtures (else None)."""
    if target.dim == 1:
        lo, hi = target.extent[:2]
        m: dict[str, float | None] = {
            "js": metrics.js_divergence_1d(real, fake, lo, hi, bins=JS_BINS),
            "kl": metrics.kl_divergence_1d(real, fake, lo, hi, bins=JS_BINS),
            "w1": metrics.w1_1d(real, fake),
        }
    else:
        m = {"js": metrics.js_divergence(real, fake, target.extent, bins=JS_BINS),
             "kl": metrics.kl_divergence(real, fake, target.extent, bins=JS_BINS),
             "w1": metrics.sliced_w1(real, fake)}
    m["modes"], m["hq"] = None, None
    if target.is_mixture:
        modes, hq = metrics.mode_stats(fake, target.centers, target.std)
        m["modes"], m["hq"] = float(modes), hq
    return m


def metric_floor(target: Target, real: np.ndarray, other_real: np.ndarray) -> dict[str, float | None]:
    """The metrics between two independent samples of the target: what a G that samples p_data
    exactly would score with this many points. JS, KL and W1 are not 0 there (sampling noise);
    modes and hq are what such a G reaches (None for targets without modes)."""
    return measure(target, real, other_real)


# ---- the colour range of a score surface ----------------------------------------------------

SHRINK_MARGIN = 1.6      # the range shrinks only once 1.6 x what is needed fits in a smaller step
RECENTRE = 0.25          # a floating centre (critic) moves only when off by this share of the half-range
SCORE_QUANTILE = 95      # the range covers this percentile of |score - centre| at the shown points


class ScoreScale:
    """The colour range of an unbounded score surface, set where the samples are.

    The range is centred on the loss's "can't tell" level (for a critic, midway between the median
    real and fake scores) and its half-width covers the 95th percentile of |score - centre| at the
    shown real and fake points, so the colours say something near the data however large the
    scores are far from it. It steps through 1, 2, 5 x 10^k, grows at once and shrinks only when the
    scores have fallen well inside the step below (hysteresis), so it holds still frame to frame.
    Losses whose D aims for D* (least squares) never get less than [0, 1], the D* panel's range.
    """

    def __init__(self):
        self.loss: str | None = None
        self.centre: float | None = None
        self.half: float | None = None

    def update(self, loss_key: str, loss: Loss, real: np.ndarray, fake: np.ndarray) -> tuple[float, float]:
        """(low, high) for this frame, from the readouts at the shown real (n,) and fake (n,) points."""
        if loss_key != self.loss:                     # a live change of loss: start afresh
            self.loss, self.centre, self.half = loss_key, None, None
        real, fake = real[np.isfinite(real)], fake[np.isfinite(fake)]
        if not len(real) or not len(fake):
            centre, half = self.centre or (loss.middle or 0.0), self.half or 1.0
            return centre - half, centre + half
        self._centre_on(loss, real, fake)
        spread = np.abs(np.concatenate([real, fake]) - self.centre)
        need = max(float(np.percentile(spread, SCORE_QUANTILE)), 0.5 if loss.d_star else 0.0, 1e-6)
        if self.half is None or need > self.half:
            self.half = nice_ceil(need)
        elif nice_ceil(need * SHRINK_MARGIN) < self.half:
            self.half = nice_ceil(need * SHRINK_MARGIN)
        return self.centre - self.half, self.centre + self.half

    def _centre_on(self, loss: Loss, real: np.ndarray, fake: np.ndarray) -> None:
        if loss.middle is not None:
            self.centre = loss.middle
            return
        # A critic's level drifts freely; only the gap between real and fake scores counts.
        mid = 0.5 * (float(np.median(real)) + float(np.median(fake)))
        half = self.half or nice_ceil(max(float(np.abs(np.concatenate([real, fake]) - mid).max()), 1e-6))
        if self.centre is None or abs(mid - self.centre) > RECENTRE * half:
            step = half / 10                          # on a round grid, so the colour bar's labels stay short
            self.centre = round(mid / step) * step


def nice_ceil(v: float) -> float:
    """The next of 1, 2, 5 x 10^k at or above v (v > 0): ranges that step instead of flickering."""
    power = 10.0 ** np.floor(np.log10(v))
    return float(next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= v * (1 - 1e-12)))


# ---- the optimal discriminator ---------------------------------------------------------------

def kde_bandwidth(samples: np.ndarray, cap: float) -> float:
    """Scott's rule for a 2D Gaussian kernel (Silverman's gives the same in 2D): n^(-1/6) times the
    samples' spread (per axis the smaller of std and IQR/1.349, then their RMS), never above cap
    (and cap itself when the spread is 0: more than half the samples on one point)."""
    xy = np.asarray(samples, dtype=np.float64)      # float32 squares overflow for a far-flung G
    iqr = np.subtract(*np.percentile(xy, [75, 25], axis=0))
    spread = np.minimum(xy.std(axis=0), iqr / 1.349)
    h = len(xy) ** (-1 / 6) * float(np.sqrt(np.mean(spread ** 2)))
    return min(h, cap) if h > 0 else cap


def kde_on_grid(samples: np.ndarray, grid_x: np.ndarray, grid_y: np.ndarray, h: float) -> np.ndarray:
    """The Gaussian KDE of samples (n, 2), bandwidth h, at every grid node: (len(grid_y), len(grid_x)).

    Direct, not binned: the kernel factorises into x and y parts, so the sum over samples of
    kx(node_x) ky(node_y) is one (gy, n) @ (n, gx) matrix product (about a millisecond). It runs in
    torch, on the engine's one thread: numpy's BLAS starts threads of its own that fight the
    trainer for the cores (tens of milliseconds on a busy machine).
    """
    xy = torch.from_numpy(np.asarray(samples, dtype=np.float32))
    kx = _kernel(torch.tensor(grid_x, dtype=torch.float32), xy[:, :1], h)
    ky = _kernel(torch.tensor(grid_y, dtype=torch.float32), xy[:, 1:], h)
    return (ky.T @ kx).double().numpy() / (len(xy) * 2 * np.pi * h * h)


KERNEL_CUT = 40.0    # kernel terms below e^-40 (4e-18 of the peak, beyond 8.9 h) are dropped


def _kernel(nodes: torch.Tensor, v: torch.Tensor, h: float) -> torch.Tensor:
    """exp(-(node - v)^2 / 2h^2) for each value (n, 1) and node (g,): (n, g). Dropping the terms
    below e^-40 keeps the exponentials and every product in the matrix multiply out of (slow)
    subnormal floats."""
    u = ((nodes[None, :] - v) * (math.sqrt(0.5) / h)).square_()
    return torch.exp(-u.clamp(max=KERNEL_CUT)).masked_fill_(u >= KERNEL_CUT, 0.0)


class OptimalD:
    """D* = p_data / (p_data + p_g) on a fixed grid, for one mixture target.

    p_g is known only through G's samples: it is their Gaussian KDE, with h from kde_bandwidth and
    never wider than the modes' std. p_data is smoothed by the same kernel (exactly: a mixture of
    variance std^2 + h^2), so a perfect G gives 1/2 up to sampling noise, not a bias from comparing a
    smoothed density with a sharp one. NaN where neither density has mass (D* undefined there).
    """

    def __init__(self, target: Target, grid_x: np.ndarray, grid_y: np.ndarray):
        if not target.is_mixture:
            raise ValueError(f"D* needs the target's density; {target.key!r} has none")
        self.target, self.grid_x, self.grid_y = target, grid_x, grid_y
        gx, gy = np.meshgrid(grid_x, grid_y)
        xy = np.stack([gx.ravel(), gy.ravel()], 1)
        # squared distance of every node to every mode: (g*g, m), fixed for the run
        self.mode_d2 = ((xy[:, None, :] - target.centers[None]) ** 2).sum(-1)

    def __call__(self, fake: np.ndarray) -> tuple[np.ndarray, float] | None:
        """(D* on the grid (gy, gx), the bandwidth h), or None if no fake is a finite point."""
        fake = fake[np.isfinite(fake).all(axis=1)]
        if not len(fake):
            return None
        h = kde_bandwidth(fake, cap=self.target.std)
        p_g = kde_on_grid(fake, self.grid_x, self.grid_y, h)
        var = self.target.std ** 2 + h ** 2
        p_data = (np.exp(-self.mode_d2 / (2 * var)).mean(1) / (2 * np.pi * var)).reshape(p_g.shape)
        total = p_data + p_g
        floor = 1e-3 * total.max()
        with np.errstate(invalid="ignore", divide="ignore"):
            d_star = np.where(total > floor, p_data / total, np.nan)
        return readonly(d_star), h


def _manifold_noise(noise: str, dim: int, device: torch.device) -> tuple[torch.Tensor, tuple[int, int]]:
    """z along a line (1-D noise) or over a grid of the first two coordinates, the rest at 0."""
    span = NOISE_SPAN[noise]
    if dim == 1:
        return torch.linspace(-span, span, MANIFOLD_1D, device=device)[:, None], (MANIFOLD_1D, 1)
    u = torch.linspace(-span, span, MANIFOLD_2D, device=device)
    a, b = torch.meshgrid(u, u, indexing="ij")
    z = torch.zeros(MANIFOLD_2D * MANIFOLD_2D, dim, device=device)
    z[:, 0], z[:, 1] = a.ravel(), b.ravel()
    return z, (MANIFOLD_2D, MANIFOLD_2D)
