"""GAN Playground's engine: trains GANs on 2D data and publishes what to draw. No UI code here."""
from gancore.config import ConfigError, TrainConfig
from gancore.losses import LOSSES
from gancore.run import CapacityError, RunHandle, RunState, Slots, Supervised
from gancore.runner import Runner
from gancore.snapshot import Snapshot
from gancore.targets import TARGETS, make_target
from gancore.trainer import Diverged, Trainer

__all__ = ["CapacityError", "ConfigError", "Diverged", "LOSSES", "RunHandle", "RunState", "Runner", "Slots",
           "Snapshot", "Supervised", "TARGETS", "TrainConfig", "Trainer", "make_target"]
