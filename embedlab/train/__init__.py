"""Training: the two trainers, their objectives, what each snapshot measures, the one loop (training.fit), a job's size and its measured estimate, advice on settings."""
