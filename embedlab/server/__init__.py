"""A shared server: training jobs, their scheduler, per-visitor memory."""
