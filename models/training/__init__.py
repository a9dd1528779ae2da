"""Training of the WAE family and the MCNN: loops, checkpoints, run folders, CLIs."""

import os

# Idle OpenMP threads sleep instead of spinning: on a shared 2-core machine a spinning
# torch thread pool made a 2-thread training step 8x slower than a 1-thread one (measured
# with `waefader bench train` at load 7; PASSIVE: on par). Set before torch is imported by
# any training module; an explicit OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
