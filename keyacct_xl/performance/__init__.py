"""Reps, complaints and submissions measured from the master: the complaint and service register, the
missing-reports check (docs/performance.md)."""
