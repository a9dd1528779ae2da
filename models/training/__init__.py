"""Training of the WAE family and the MCNN: loops, checkpoints, run folders, CLIs."""
