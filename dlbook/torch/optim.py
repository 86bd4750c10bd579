"""Optimizers of the torch backend: torch.optim itself, with the NumPy reference's signatures and a
settable `lr` (every param group)."""

import torch

from ..core.specs import SettableLR

Optimizer = torch.optim.Optimizer
clip_grad_norm_ = torch.nn.utils.clip_grad_norm_


class SGD(SettableLR, torch.optim.SGD):
    """torch.optim.SGD: b <- mu b + (1 - dampening) g;  theta <- theta - eta (g + mu b or b)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False):
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov, maximize=maximize)


class RMSprop(SettableLR, torch.optim.RMSprop):
    """torch.optim.RMSprop: v <- alpha v + (1 - alpha) g^2;  theta <- theta - eta g / (sqrt(v) + eps)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False):
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                         centered=centered, maximize=maximize)


class Adam(SettableLR, torch.optim.Adam):
    """torch.optim.Adam: bias-corrected first and second moments of g."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)


class AdamW(SettableLR, torch.optim.AdamW):
    """torch.optim.AdamW: Adam with decoupled weight decay theta <- theta (1 - eta lambda)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)
