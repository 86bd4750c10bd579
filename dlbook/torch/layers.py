"""Layers of the torch backend: Linear, Dropout, BatchNorm1d, BatchNorm2d, Flatten, computed with torch.nn.functional.

Same names, arguments, parameters and state_dict keys as the NumPy reference and torch.nn;
an independent implementation (parity tests compare the two)."""

import numpy as np
import torch
import torch.nn.functional as F

from ..core.errors import (
    check_axis_range,
    check_batch_statistics,
    check_finite,
    check_floating,
    check_last_dim,
    check_ndim,
    check_size,
)
from ..core.specs import BatchNorm1dSpec, BatchNorm2dSpec, DropoutSpec, FlattenSpec, LinearSpec
from .module import Module
from .tensor import is_finite


class Linear(LinearSpec, Module):
    """Affine map y = x W^T + b.  x: (N, in_features) -> y: (N, out_features);
    weight: (out_features, in_features), bias: (out_features,)."""

    def forward(self, x):
        check_last_dim(self, x, self.in_features)
        check_floating(self, x, dtype=self.weight.dtype)
        check_finite(self, x, is_finite(x))
        return self._keep(F.linear(self._track(x), self.weight, self.bias))


class Dropout(DropoutSpec, Module):
    """y = x * m / (1 - p) in training, m ~ Bernoulli(1 - p) drawn from a NumPy Generator (`seed`),
    so both backends drop the same units; y = x in eval mode."""

    def forward(self, x):
        check_floating(self, x)
        x = self._track(x)
        if not self.training or self.p == 0.0:
            return self._keep(x * 1)
        keep = 1.0 - self.p
        drawn = np.asarray(self.generator.random(tuple(x.shape)) < keep)
        mask = torch.from_numpy(drawn).to(device=x.device, dtype=x.dtype)
        scaled_mask = mask / keep if keep > 0 else mask
        return self._keep(x * scaled_mask)


class _BatchNorm(Module):
    """Batch normalization over axis 1: y = gamma (x - mu) / sqrt(var + eps) + beta, with running
    statistics as torch (F.batch_norm). The arguments, parameters and buffers are BatchNormSpec's."""

    def forward(self, x):
        check_ndim(self, x, self.allowed_ndim, layout=self.layout)
        check_size(self, x, 1, self.num_features, name="channels")
        check_floating(self, x, dtype=self.state_dtype())
        check_finite(self, x, is_finite(x))
        use_batch_stats = self.training or self.running_mean is None
        if use_batch_stats:
            check_batch_statistics(self, x, self.training)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        return self._keep(F.batch_norm(
            self._track(x), self.running_mean, self.running_var, self.weight, self.bias,
            use_batch_stats, factor, self.eps))


class BatchNorm1d(BatchNorm1dSpec, _BatchNorm):
    """Batch normalization of x: (N, C) or (N, C, L), statistics per channel C."""


class BatchNorm2d(BatchNorm2dSpec, _BatchNorm):
    """Batch normalization of images x: (N, C, H, W), statistics per channel C (over N, H and W)."""


class Flatten(FlattenSpec, Module):
    """Axes start_dim..end_dim merged into one, as torch.nn.Flatten: (N, C, H, W) -> (N, C*H*W) by default."""

    def forward(self, x):
        start, end = check_axis_range(self, x, self.start_dim, self.end_dim)
        return self._keep(self._track(x).flatten(start, end))
