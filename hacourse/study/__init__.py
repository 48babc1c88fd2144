"""Studies over many runs: sweeps of settings and seeds, generated large clusters."""
