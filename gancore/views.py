"""The probe: fixed inputs and the computations that turn a trainer's state into a Snapshot."""
from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from gancore import metrics
from gancore.history import History
from gancore.losses import LOSSES
from gancore.noise import NOISE_SPAN, NOISES
from gancore.snapshot import METRIC_NAMES, Snapshot, readonly
from gancore.trainer import Trainer

_frames = itertools.count(1)      # process-wide serial numbers of pictures (Snapshot.frame)

N_SHOWN = 512        # real and fake points drawn on the plot
N_EVAL = 2500        # samples for the metrics (VEEGAN's count for modes / high quality)
GRID = 64            # resolution of the D(x) and D* surfaces
MANIFOLD_2D = 21     # z grid for the manifold mesh (noise_dim >= 2)
MANIFOLD_1D = 200    # z points for the manifold curve (noise_dim == 1)
JS_BINS = 50


class Probe:
    """Fixed real points, fixed z and a fixed grid, drawn once per run, so frames move smoothly.

    All draws come from the run's own "probe" seed: two runs with the same seed are probed at the
    same points, which is what makes a side-by-side comparison fair.
    """

    def __init__(self, trainer: Trainer):
        t, c = trainer, trainer.config
        rng = np.random.default_rng(t.probe_seed)
        gen = torch.Generator(t.device).manual_seed(t.probe_seed)
        self.extent = t.target.extent
        self.real_eval = t.target.sample(N_EVAL, rng)
        self.real = readonly(self.real_eval[:N_SHOWN])
        self.z_eval = NOISES[c.noise](N_EVAL, c.noise_dim, gen).to(t.device)
        self.z_shown = self.z_eval[:N_SHOWN]
        self.z_manifold, self.manifold_shape = _manifold_noise(c.noise, c.noise_dim, t.device)
        x0, x1, y0, y1 = self.extent
        self.grid_x, self.grid_y = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
        gx, gy = np.meshgrid(self.grid_x, self.grid_y)              # (GRID, GRID), rows along y
        self.grid = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32, device=t.device)
        self.smoothing = 1.5 * (x1 - x0) / GRID                       # KDE bandwidth for D*
        self.p_data = _smoothed_mixture(t.target, gx, gy, self.smoothing)
        self.metric_history = History(METRIC_NAMES, capacity=1024)
        self.latest_metrics: dict[str, float | None] = {n: None for n in METRIC_NAMES}
        self.latest_optimal_d: np.ndarray | None = None

    def snapshot(self, t: Trainer, state: str, steps_per_s: float, with_metrics: bool = True) -> Snapshot:
        """A frame of the run. Metrics and D* (2,500 fresh fakes) only when asked: an ordinary
        frame runs G on the 512 shown points alone, which keeps the live view cheap."""
        loss = LOSSES[t.config.loss]
        with torch.no_grad():
            shown = t.G(self.z_shown)
            surface = loss.readout(t.scores(self.grid)).reshape(GRID, GRID)
            manifold = t.G(self.z_manifold).reshape(*self.manifold_shape, 2)
        if with_metrics:
            with torch.no_grad():
                fake_eval = t.G(self.z_eval).cpu().numpy()
            self._measure(t, fake_eval)
            self.latest_optimal_d = self._optimal_d(fake_eval)
        return Snapshot(
            step=t.step, state=state, steps_per_s=steps_per_s, config=t.config,
            target_label=t.target.label, extent=self.extent, real=self.real,
            fake=readonly(shown.cpu().numpy()), g_field=readonly(self._g_field(t, shown)),
            grid_x=readonly(self.grid_x), grid_y=readonly(self.grid_y),
            d_surface=readonly(surface.cpu().numpy()), surface_probability=loss.probability,
            equilibrium=loss.equilibrium, optimal_d=self.latest_optimal_d,
            manifold=readonly(manifold.cpu().numpy()), centers=t.target.centers,
            metrics=dict(self.latest_metrics), history=t.history.frozen(),
            metric_history=self.metric_history.frozen(), frame=next(_frames),
        )

    def _g_field(self, t: Trainer, shown: torch.Tensor) -> np.ndarray:
        """-dL_G/dx at each shown fake: the direction (and strength) G's update pushes that point."""
        x = shown.detach().requires_grad_(True)
        # Every loss is a mean of per-sample terms: scaling by n gives each point its own gradient.
        per_point_sum = LOSSES[t.config.loss].g_loss(t.scores(x)) * len(x)
        (grad,) = torch.autograd.grad(per_point_sum, x)
        return (-grad).cpu().numpy()

    def _optimal_d(self, fake: np.ndarray) -> np.ndarray | None:
        """D* = p_data / (p_data + p_g) with both densities smoothed by the same kernel."""
        if self.p_data is None:
            return None
        p_g = _kde_on_grid(fake, self.extent, self.smoothing)
        total = self.p_data + p_g
        floor = 1e-3 * total.max()   # where neither distribution has mass D* is undefined: NaN
        with np.errstate(invalid="ignore", divide="ignore"):
            d_star = np.where(total > floor, self.p_data / total, np.nan)
        return readonly(d_star)

    def _measure(self, t: Trainer, fake: np.ndarray) -> None:
        m: dict[str, float | None] = {
            "js": metrics.js_divergence(self.real_eval, fake, self.extent, bins=JS_BINS),
            "kl": metrics.kl_divergence(self.real_eval, fake, self.extent, bins=JS_BINS),
            "w1": metrics.sliced_w1(self.real_eval, fake),
            "modes": None, "hq": None,
        }
        if t.target.is_mixture:
            modes, hq = metrics.mode_stats(fake, t.target.centers, t.target.std)
            m["modes"], m["hq"] = float(modes), hq
        self.latest_metrics = m
        self.metric_history.append(t.step, {k: (math.nan if v is None else v) for k, v in m.items()})


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


def _smoothed_mixture(target, gx: np.ndarray, gy: np.ndarray, h: float) -> np.ndarray | None:
    """The mixture's density convolved with N(0, h^2 I): itself a mixture with variance std^2 + h^2."""
    if not target.is_mixture:
        return None
    var = target.std ** 2 + h ** 2
    xy = np.stack([gx.ravel(), gy.ravel()], 1)
    d2 = ((xy[:, None, :] - target.centers[None]) ** 2).sum(-1)
    return (np.exp(-d2 / (2 * var)).mean(1) / (2 * np.pi * var)).reshape(gx.shape)


def _kde_on_grid(samples: np.ndarray, extent, h: float) -> np.ndarray:
    """Gaussian KDE of samples at the grid nodes, by binning then a separable blur (O(n + g^2))."""
    x0, x1, y0, y1 = extent
    dx, dy = (x1 - x0) / (GRID - 1), (y1 - y0) / (GRID - 1)
    # Bins centred on the grid nodes; samples outside the window add no density inside it.
    counts, _, _ = np.histogram2d(samples[:, 1], samples[:, 0], bins=GRID,
                                  range=[[y0 - dy / 2, y1 + dy / 2], [x0 - dx / 2, x1 + dx / 2]])
    density = counts / (len(samples) * dx * dy)
    for axis, d in ((0, dy), (1, dx)):
        offsets = np.arange(-int(3 * h / d) - 1, int(3 * h / d) + 2) * d
        kernel = np.exp(-offsets ** 2 / (2 * h ** 2))
        kernel /= kernel.sum()
        density = np.apply_along_axis(np.convolve, axis, density, kernel, mode="same")
    return density
