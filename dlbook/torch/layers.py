"""Layers of the torch backend: Linear, Dropout, BatchNorm1d, BatchNorm2d, Flatten, computed with torch.nn.functional.

Same names, arguments, parameters and state_dict keys as the NumPy reference and torch.nn;
an independent implementation (parity tests compare the two)."""

import torch
import torch.nn.functional as F

from ..core import init
from ..core.errors import (
    ShapeError,
    check_axis_range,
    check_finite,
    check_floating,
    check_last_dim,
    check_ndim,
    check_size,
)
from ..core.specs import BatchNormDescription, LinearDescription
from .module import Module, Parameter
from .tensor import device, get_default_dtype, is_finite


class Linear(LinearDescription, Module):
    """Affine map y = x W^T + b.  x: (N, in_features) -> y: (N, out_features);
    weight: (out_features, in_features), bias: (out_features,)."""

    def __init__(self, in_features, out_features, bias=True, *, seed=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self._init_weight_and_bias((out_features, in_features), bias, seed)

    def forward(self, x):
        check_last_dim(self, x, self.in_features)
        check_floating(self, x)
        check_finite(self, x, is_finite(x))
        return self._keep(F.linear(self._track(x), self.weight, self.bias))


class Dropout(Module):
    """y = x * m / (1 - p) in training, m ~ Bernoulli(1 - p) drawn from a NumPy Generator (`seed`),
    so both backends drop the same units; y = x in eval mode."""

    def __init__(self, p=0.5, inplace=False, *, seed=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace
        self.generator = init.generator(seed)

    def forward(self, x):
        x = self._track(x)
        if not self.training or self.p == 0.0:
            return self._keep(x * 1)
        keep = 1.0 - self.p
        mask = torch.from_numpy(self.generator.random(tuple(x.shape)) < keep).to(device=x.device, dtype=x.dtype)
        scaled_mask = mask / keep if keep > 0 else mask
        return self._keep(x * scaled_mask)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class _BatchNorm(BatchNormDescription, Module):
    """Batch normalization over axis 1: y = gamma (x - mu) / sqrt(var + eps) + beta, with running
    statistics as torch (F.batch_norm)."""

    layout = ""
    allowed_ndim = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = get_default_dtype()
        if affine:
            self.weight = Parameter(torch.ones(num_features, dtype=dtype, device=device))
            self.bias = Parameter(torch.zeros(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", torch.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, x):
        check_ndim(self, x, self.allowed_ndim, layout=self.layout)
        check_size(self, x, 1, self.num_features, name="channels")
        check_finite(self, x, is_finite(x))
        if self.training and x.numel() // self.num_features <= 1:
            raise ShapeError(f"{self.short_repr()} expected more than 1 value per channel when training, "
                             f"got input of shape {tuple(x.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or self.running_mean is None
        return self._keep(F.batch_norm(
            self._track(x), self.running_mean, self.running_var, self.weight, self.bias,
            use_batch_stats, factor, self.eps))


class BatchNorm1d(_BatchNorm):
    """Batch normalization of x: (N, C) or (N, C, L), statistics per channel C."""

    layout = "(N, C) or (N, C, L)"
    allowed_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of images x: (N, C, H, W), statistics per channel C (over N, H and W)."""

    layout = "(N, C, H, W)"
    allowed_ndim = (4,)


class Flatten(Module):
    """Axes start_dim..end_dim merged into one, as torch.nn.Flatten: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        start, end = check_axis_range(self, x, self.start_dim, self.end_dim)
        return self._keep(self._track(x).flatten(start, end))

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"

