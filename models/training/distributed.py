"""Data-parallel training through torchrun: process group, device, and batch order.

Run as usual (one process) or under ``torchrun --nproc_per_node N`` (gloo on CPU, NCCL on
GPU). Each process takes its share of every global batch through a
:class:`~torch.utils.data.DistributedSampler`; gradients are averaged by
DistributedDataParallel; only rank 0 writes checkpoints and metrics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DistributedSampler

from models.training.errors import TrainingError


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """``auto`` -> CUDA when available, else CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise TrainingError("--device cuda asked but no CUDA device is available")
        return torch.device("cuda", local_rank)
    if name != "cpu":
        raise TrainingError(f"unknown device {name!r} (auto, cpu, cuda)")
    return torch.device("cpu")


def init_distributed(device: str = "auto") -> DistInfo:
    """Join the process group when launched by torchrun (``WORLD_SIZE`` > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = pick_device(device, local_rank)
    if world <= 1:
        return DistInfo(0, 1, dev)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo")
    return DistInfo(dist.get_rank(), dist.get_world_size(), dev)


def shutdown(info: DistInfo) -> None:
    if info.distributed and dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    if info.distributed:
        dist.barrier()


def wrap(module: nn.Module, info: DistInfo) -> nn.Module:
    """DistributedDataParallel around ``module`` in a multi-process run, else itself."""
    if not info.distributed:
        return module
    ids = [info.device.index] if info.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids)


class BatchOrder:
    """The indices of this process's batch at any step, from ``(seed, step)`` alone.

    Epoch ``e`` is a DistributedSampler permutation seeded with ``seed + e``; step ``s``
    is batch ``s % steps_per_epoch`` of epoch ``s // steps_per_epoch``. A resumed run
    therefore sees exactly the batches the uninterrupted run would have seen.
    """

    def __init__(self, n: int, global_batch: int, info: DistInfo, seed: int) -> None:
        if global_batch % info.world:
            raise TrainingError(
                f"batch size {global_batch} is not divisible by {info.world} processes"
            )
        self.n, self.info, self.seed = n, info, seed
        self.local_batch = global_batch // info.world
        self.steps_per_epoch = (n // info.world) // self.local_batch
        if self.steps_per_epoch < 1:
            fit = max(2, n // info.world * info.world)
            raise TrainingError(
                f"{n} training notes are fewer than one batch of {global_batch}; "
                f"pass --batch-size {fit} or less"
            )
        self._epoch = -1
        self._order: list[int] = []

    def indices(self, step: int) -> torch.Tensor:
        epoch, k = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch:
            sampler: DistributedSampler[int] = DistributedSampler(
                range(self.n),  # type: ignore[arg-type]
                num_replicas=self.info.world,
                rank=self.info.rank,
                shuffle=True,
                seed=self.seed,
                drop_last=True,
            )
            sampler.set_epoch(epoch)
            self._order, self._epoch = list(sampler), epoch
        b = self.local_batch
        return torch.tensor(self._order[k * b : (k + 1) * b], dtype=torch.long)


def step_generator(seed: int, rank: int, step: int) -> torch.Generator:
    """A CPU generator for the random draws of one step (prior samples, crops).

    Derived from ``(seed, rank, step)`` so that a resumed run draws the same numbers
    without any saved generator state.
    """
    g = torch.Generator()
    g.manual_seed((seed * 1_000_003 + rank * 7_919 + step) % (2**63))
    return g
