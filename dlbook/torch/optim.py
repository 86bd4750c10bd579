"""Optimizers of the torch backend: torch.optim itself, with the specs' signatures, checks and settable `lr`
(dlbook.core.specs)."""

import torch

from ..core.specs import AdamSpec, AdamWSpec, RMSpropSpec, SGDSpec

Optimizer = torch.optim.Optimizer
clip_grad_norm_ = torch.nn.utils.clip_grad_norm_


class _Settings:
    """The specs hand their settings over as one dict (as torch.optim.Optimizer takes them); torch.optim's
    optimizers take them as keywords."""

    def __init__(self, params, defaults):
        super().__init__(params, **defaults)


class SGD(SGDSpec, _Settings, torch.optim.SGD):
    """torch.optim.SGD: b <- mu b + (1 - dampening) g;  theta <- theta - eta (g + mu b or b)."""


class RMSprop(RMSpropSpec, _Settings, torch.optim.RMSprop):
    """torch.optim.RMSprop: v <- alpha v + (1 - alpha) g^2;  theta <- theta - eta g / (sqrt(v) + eps)."""


class Adam(AdamSpec, _Settings, torch.optim.Adam):
    """torch.optim.Adam: bias-corrected first and second moments of g."""


class AdamW(AdamWSpec, _Settings, torch.optim.Adam):
    """Adam with decoupled weight decay theta <- theta (1 - eta lambda): torch.optim.Adam with
    decoupled_weight_decay=True, which is all torch.optim.AdamW is (it only fixes that argument)."""
