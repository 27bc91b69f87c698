"""GAN Playground's benchmark suite: run it with `python -m benchmarks.run` (add --quick for a short one)."""
