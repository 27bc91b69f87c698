"""The trainer: Algorithm 1 of Goodfellow et al. (2014) on a 2D or 1D target, one iteration at a time."""
from __future__ import annotations

import functools
import math

import numpy as np
import torch

from gancore.config import LIVE_FIELDS, TrainConfig, changed_fields
from gancore.history import STAT_NAMES, History
from gancore.losses import LOSSES, gradient_penalty, r1_penalty
from gancore.nets import make_mlp
from gancore.noise import NOISES
from gancore.optim import OPTIMIZERS, set_hyperparameters
from gancore.targets import Target, make_target

# One intra-op thread. These networks are tiny: a second thread gains at most 6% on a quiet
# 2-core machine, but OpenMP's busy-waiting makes a run 10-100x slower when the cores are busy
# (a browser, a second run, the web server), and the same seed gives the same run only at a fixed
# thread count (benchmarks/ measures both). Set once, for every trainer in the process.
TORCH_THREADS = 1
torch.set_num_threads(TORCH_THREADS)

# Real minibatches are drawn from the target this many at a time: one numpy call and one
# tensor copy per 64 steps instead of per step. Every batch is still a fresh sample.
_POOL_BATCHES = 64


class Diverged(RuntimeError):
    """Training produced NaN or Inf; the message says at which step and in what."""

    def __init__(self, step: int, what: str):
        super().__init__(f"diverged at step {step} ({what})")
        self.step, self.what = step, what


class StructuralChange(ValueError):
    """A setting that cannot change in a live run (it needs a fresh run)."""


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: cuda was asked for but no CUDA device is available")
    return torch.device(name)


def fast_floats(method):
    """Run a training method with denormal floats flushed to zero, then restore IEEE mode.

    Once D is confident its outputs and gradients underflow into denormals, which CPUs handle
    tens of times slower: without this, a run slows down by half exactly when it gets interesting.
    The flag is per thread, and the caller's code (numpy, hypothesis) may rely on subnormals, so
    it is set only while the engine computes.
    """
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        torch.set_flush_denormal(True)
        try:
            return method(self, *args, **kwargs)
        finally:
            torch.set_flush_denormal(False)
    return wrapper


def seeds_for(seed: int) -> dict[str, int]:
    """Independent streams from one seed, so changing k or the loss does not shift the weights."""
    names = ("g_init", "d_init", "noise", "data", "probe")
    return dict(zip(names, np.random.SeedSequence(seed).generate_state(len(names)).tolist()))


class Trainer:
    """Owns both networks and their optimisers; `iterate()` is one pass of Algorithm 1."""

    def __init__(self, config: TrainConfig):
        self.config = config.validate()
        self.device = resolve_device(config.device)
        self.target: Target = make_target(config.target, config.target_params())
        seeds = seeds_for(config.seed)
        self.noise_rng = torch.Generator(self.device).manual_seed(seeds["noise"])
        self.data_rng = np.random.default_rng(seeds["data"])
        self.probe_seed = seeds["probe"]
        c, dim = config, self.target.dim
        # A 1D target's z is one number (the paper's z line), whatever noise_dim says.
        self.z_dim = 1 if dim == 1 else c.noise_dim
        # G: z (z_dim) -> x (dim); D: x (dim) -> one logit or score
        self.G = make_mlp(self.z_dim, dim, c.g_layers, c.g_width, c.activation,
                          torch.Generator().manual_seed(seeds["g_init"])).to(self.device)
        self.D = make_mlp(dim, 1, c.d_layers, c.d_width, c.activation,
                          torch.Generator().manual_seed(seeds["d_init"])).to(self.device)
        betas = (c.adam_beta1, c.adam_beta2)
        self.opt_g = OPTIMIZERS[c.g_optimizer](self.G.parameters(), c.g_lr, betas)
        self.opt_d = OPTIMIZERS[c.d_optimizer](self.D.parameters(), c.d_lr, betas)
        self.g_params = list(self.G.parameters())
        self.step = 0                    # iterations of Algorithm 1 done (head-start steps count)
        self.history = History(STAT_NAMES)
        self._pool = torch.empty(0, dim, device=self.device)
        self._pool_at = 0

    # ---- data ---------------------------------------------------------------------------
    def real_batch(self, n: int) -> torch.Tensor:
        """A fresh minibatch from p_data: (n, dim)."""
        if self._pool_at + n > len(self._pool):
            fresh = self.target.sample(n * _POOL_BATCHES, self.data_rng)
            self._pool, self._pool_at = torch.from_numpy(fresh).to(self.device), 0
        batch = self._pool[self._pool_at:self._pool_at + n]
        self._pool_at += n
        return batch

    def noise(self, n: int) -> torch.Tensor:
        """z ~ p_z: (n, z_dim), drawn on the run's device by its own generator."""
        return NOISES[self.config.noise](n, self.z_dim, self.noise_rng)

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """D's raw output (logit or critic value): (n,)."""
        return self.D(x).squeeze(1)

    # ---- Algorithm 1 ----------------------------------------------------------------------
    def d_step(self) -> dict[str, torch.Tensor]:
        """One discriminator update on a fresh real batch and fresh fakes; G is not touched."""
        c, loss = self.config, LOSSES[self.config.loss]
        real = self.real_batch(c.batch_size)
        with torch.no_grad():
            fake = self.G(self.noise(c.batch_size))
        # One pass over real and fake together: half the kernel launches of two passes.
        s_real, s_fake = self.scores(torch.cat([real, fake])).split(c.batch_size)
        penalty = self._penalties(real, fake)
        # What D minimises, penalties included: the number recorded is the number descended.
        total = loss.d_loss(s_real, s_fake) + penalty
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        norm = _grad_norm(self.D.parameters())
        self.opt_d.step()
        return {"loss_d": total.detach(), "d_penalty": penalty.detach(), "d_real": loss.readout(s_real.detach()).mean(),
                "d_fake": loss.readout(s_fake.detach()).mean(), "d_grad_norm": norm}

    def _penalties(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        c, total = self.config, torch.zeros((), device=self.device)
        if c.effective_gp_weight > 0:
            eps = torch.rand(len(real), 1, generator=self.noise_rng, device=self.device)
            total = total + c.effective_gp_weight * gradient_penalty(self.scores, real, fake, eps)
        if c.r1_weight > 0:
            total = total + c.r1_weight * r1_penalty(self.scores, real)
        return total

    def g_step(self, update: bool = True) -> dict[str, torch.Tensor]:
        """One generator update through a discriminator that is not updated.

        With update=False the gradient is measured but not applied (head start, frozen G).
        """
        c = self.config
        s_fake = self.scores(self.G(self.noise(c.batch_size)))
        objective = LOSSES[c.loss].g_loss(s_fake)
        self.opt_g.zero_grad(set_to_none=True)
        # Only G's parameters receive gradients: D's stay as they are, which is what "frozen" means.
        objective.backward(inputs=self.g_params)
        norm = _grad_norm(self.g_params)
        if update:
            self.opt_g.step()
        return {"loss_g": objective.detach(), "g_grad_norm": norm}

    @fast_floats
    def iterate(self) -> dict[str, float]:
        """k D-steps then g_steps G-steps (D-only during the head start); records and returns stats."""
        c = self.config
        head_start = self.step < c.d_head_start
        stats: dict[str, torch.Tensor] = {}
        for _ in range(1 if head_start else c.d_steps):
            stats.update(self.d_step())
        for _ in range(1 if head_start else c.g_steps):
            stats.update(self.g_step(update=not head_start))
        return self._record(stats)

    @fast_floats
    def step_d_only(self) -> dict[str, float]:
        """The app's "step D": one discriminator update, counted as an iteration."""
        return self._record(self.d_step())

    @fast_floats
    def step_g_only(self) -> dict[str, float]:
        """The app's "step G": one generator update, counted as an iteration."""
        return self._record(self.g_step())

    def _record(self, stats: dict[str, torch.Tensor]) -> dict[str, float]:
        names = [n for n in STAT_NAMES if n in stats]
        # One host transfer for all numbers of the iteration.
        values = dict(zip(names, torch.stack([stats[n] for n in names]).tolist()))
        self.step += 1
        bad = [f"{n} = {v}" for n, v in values.items() if not math.isfinite(v)]
        if bad:
            raise Diverged(self.step, ", ".join(bad))
        self.history.append(self.step, values)
        return values

    # ---- live changes ---------------------------------------------------------------------
    def update(self, config: TrainConfig) -> None:
        """Apply new live settings (learning rates, k, loss, ...); optimiser state is kept."""
        config.validate()
        changed = set(changed_fields(self.config, config))
        if changed - LIVE_FIELDS:
            raise StructuralChange(f"needs a fresh run: {', '.join(sorted(changed - LIVE_FIELDS))}")
        betas = (config.adam_beta1, config.adam_beta2)
        set_hyperparameters(self.opt_d, config.d_lr, betas)
        set_hyperparameters(self.opt_g, config.g_lr, betas)
        self.config = config

    def check_weights(self) -> None:
        """Raise Diverged if any weight is NaN or Inf."""
        for name, net in (("generator", self.G), ("discriminator", self.D)):
            if not all(torch.isfinite(p).all() for p in net.parameters()):
                raise Diverged(self.step, f"{name} weights are not finite")


def _grad_norm(params) -> torch.Tensor:
    """L2 norm of all gradients together, as a 0-d tensor on the parameters' device (no host sync)."""
    params = list(params)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros((), device=params[0].device if params else None)
    return torch.nn.utils.get_total_norm(grads)
