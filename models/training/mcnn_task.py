"""One MCNN training step on random crops, and its validation on whole notes.

Used for both ``train-mcnn`` (corpus features -> corpus audio) and ``finetune``
(decoder reconstructions -> corpus audio): only the input features differ.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from models.config import MCNNConfig, MCNNTrainConfig
from models.mcnn import MCNN
from models.training import losses
from models.training.checkpoint import OptimisedState
from models.training.data import NoteSet
from models.training.distributed import BatchOrder, DistInfo, step_generator, wrap
from models.training.schedule import lr_factor
from realtime.dsp.griffinlim import log_spectral_distance, spectral_convergence

VALID_NOTES = 64  # whole notes scored at each validation (enough for a stable mean)


def crops(
    data: NoteSet, idx: torch.Tensor, frames: int, hop: int, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Aligned random crops: features ``(B, n_mels, frames)``, audio ``(B, frames * hop)``.

    Frame ``t`` of the features pairs with samples ``[t * hop, (t + 1) * hop)``, the block the
    MCNN renders for it.
    """
    assert data.audio is not None
    n_frames = data.features.shape[2]
    frames = min(frames, n_frames)
    starts = torch.randint(0, n_frames - frames + 1, (len(idx),), generator=g).tolist()
    feats = torch.stack(
        [data.features[i, :, a : a + frames] for i, a in zip(idx.tolist(), starts, strict=True)]
    )
    audio = torch.stack(
        [
            data.audio[i, a * hop : (a + frames) * hop]
            for i, a in zip(idx.tolist(), starts, strict=True)
        ]
    )
    return feats, audio


class MCNNTask(OptimisedState):
    """Model, optimiser, scheduler and batch order of an MCNN run; see :mod:`loop`."""

    columns = ("loss", "sc", "log_mag", "lr", "valid_sc", "valid_lsd_db")

    def __init__(
        self,
        cfg: MCNNConfig,
        tcfg: MCNNTrainConfig,
        train: NoteSet,
        valid: NoteSet | None,
        info: DistInfo,
        init: dict[str, torch.Tensor] | None = None,
    ) -> None:
        if train.audio is None:
            raise ValueError("MCNN training needs the corpus audio")
        self.cfg, self.tcfg, self.info = cfg, tcfg, info
        torch.manual_seed(tcfg.seed)
        self.model = MCNN(cfg)
        if init is not None:
            self.model.load_state_dict(init)
        self.model.to(info.device)
        self.ddp = wrap(self.model, info)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=tcfg.lr)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            lambda s: lr_factor(s, tcfg.steps, tcfg.warmup, tcfg.lr_final_fraction),
        )
        self.train_set, self.valid_set = train, valid
        self.order = BatchOrder(len(train), tcfg.batch_size, info, tcfg.seed)
        self.steps_per_epoch = self.order.steps_per_epoch

    def train_step(self, step: int) -> dict[str, float]:
        g = step_generator(self.tcfg.seed, self.info.rank, step)
        idx = self.order.indices(step)
        feats, audio = crops(self.train_set, idx, self.tcfg.crop_frames, self.cfg.features.hop, g)
        dev = self.info.device
        self.model.train()
        pred = self.ddp(feats.to(dev))
        sc, log_mag = losses.spectral_losses(pred, audio.to(dev), self.tcfg.fft_sizes)
        loss = sc + self.tcfg.log_mag_weight * log_mag
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.tcfg.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        return {
            "loss": float(loss.detach()),
            "sc": float(sc.detach()),
            "log_mag": float(log_mag.detach()),
            "lr": self.optimizer.param_groups[0]["lr"],
        }

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        data = self.valid_set
        if data is None or data.audio is None:
            return {}
        self.model.eval()
        n = min(len(data), VALID_NOTES)
        pred = self.model(data.features[:n].to(self.info.device)).cpu().numpy()
        self.model.train()
        ref = data.audio[:n].numpy()
        fc = self.cfg.features
        sc = [spectral_convergence(r, p, fc) for r, p in zip(ref, pred, strict=True)]
        lsd = [log_spectral_distance(r, p, fc) for r, p in zip(ref, pred, strict=True)]
        return {"valid_sc": float(np.mean(sc)), "valid_lsd_db": float(np.mean(lsd))}
