"""Experiments over many runs: the bias–variance sweep over d, seed-to-seed stability, fine-tuning."""
