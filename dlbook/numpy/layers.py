"""Layers of the NumPy reference: Linear, Dropout, BatchNorm1d, BatchNorm2d, Flatten.

Each forward keeps, by name, what its backward needs; each backward is the
chapter's equations written out (delta = dL/dy).
"""

import math

import numpy as np

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
    """Affine map y = x W^T + b.

    x: (N, in_features) -> y: (N, out_features)   (any leading axes (*, in_features) too)
    weight: (out_features, in_features), bias: (out_features,)  -- as torch.nn.Linear
    """

    def forward(self, x):
        check_last_dim(self, x, self.in_features)
        check_floating(self, x, dtype=self.weight.dtype)
        check_finite(self, x, is_finite(x))
        self.x = x                                           # kept for backward
        y = x @ self.weight.data.T                           # y = x W^T
        if self.bias is not None:
            y += self.bias.data                              #   + b
        return y

    def backward(self, grad_out):                            # grad_out = delta = dL/dy: (N, out)
        x2d = self.x.reshape(-1, self.in_features)
        delta = grad_out.reshape(-1, self.out_features)
        self.weight.accumulate_grad(delta.T @ x2d)           # dL/dW = delta^T x
        if self.bias is not None:
            self.bias.accumulate_grad(delta.sum(axis=0))     # dL/db = sum of delta over the batch
        return grad_out @ self.weight.data                   # dL/dx = delta W


class Dropout(DropoutSpec, Module):
    """In training, zero each element with probability p and scale the rest by 1/(1-p).

    y = x * m / (1 - p), m ~ Bernoulli(1 - p); in eval mode y = x.
    The mask is drawn from a NumPy Generator (`seed`), so both backends drop the same units."""

    def forward(self, x):
        check_floating(self, x)
        if not self.training or self.p == 0.0:
            self.scaled_mask = None
            return x
        keep = 1.0 - self.p
        if keep == 0.0:
            self.scaled_mask = np.zeros_like(x)
        else:
            self.scaled_mask = (self.generator.random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * self.scaled_mask                           # y = x * m / (1 - p)

    def backward(self, grad_out):
        if self.scaled_mask is None:
            return grad_out
        return grad_out * self.scaled_mask                    # dL/dx = dL/dy * m / (1 - p)


class _BatchNorm(Module):
    """Batch normalization over axis 1 (channels): y = gamma * (x - mu) / sqrt(var + eps) + beta.

    Training: mu and var (biased) from the batch; running_mean and running_var move towards them
    with `momentum` (running_var with the unbiased variance), as torch. Eval: the running ones.
    The arguments, parameters and buffers are BatchNormSpec's."""

    def _axes_and_shape(self, x):
        """The reduce axes (all but 1) and the shape that broadcasts a (C,) vector over x."""
        axes = (0,) + tuple(range(2, x.ndim))
        return axes, (1, self.num_features) + (1,) * (x.ndim - 2)

    def forward(self, x):
        check_ndim(self, x, self.allowed_ndim, layout=self.layout)
        check_size(self, x, 1, self.num_features, name="channels")
        check_floating(self, x, dtype=self.state_dtype())
        check_finite(self, x, is_finite(x))
        axes, shape = self._axes_and_shape(x)
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            check_batch_statistics(self, x, self.training)
            count = x.size // self.num_features
            mean = x.mean(axis=axes)                                  # mu = mean of x over the batch
            var = x.var(axis=axes)                                    # var = mean of (x - mu)^2
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, count)
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype)   # 1 / sqrt(var + eps)
        self.x_hat = (x - mean.reshape(shape)) * self.inv_std.reshape(shape)
        self.used_batch_stats = use_batch_stats
        if not self.affine:
            return self.x_hat
        return self.x_hat * self.weight.data.reshape(shape) + self.bias.data.reshape(shape)

    def _update_running_stats(self, mean, var, count):
        self.num_batches_tracked += 1
        momentum = 1.0 / int(self.num_batches_tracked) if self.momentum is None else self.momentum
        unbiased_var = var * (count / (count - 1))
        self.running_mean *= 1 - momentum
        self.running_mean += momentum * mean
        self.running_var *= 1 - momentum
        self.running_var += momentum * unbiased_var

    def backward(self, grad_out):
        axes, shape = self._axes_and_shape(grad_out)
        if self.affine:
            self.weight.accumulate_grad((grad_out * self.x_hat).sum(axis=axes))    # dL/dgamma
            self.bias.accumulate_grad(grad_out.sum(axis=axes))                     # dL/dbeta
            grad_x_hat = grad_out * self.weight.data.reshape(shape)               # dL/dx_hat
        else:
            grad_x_hat = grad_out
        inv_std = self.inv_std.reshape(shape)
        if not self.used_batch_stats:
            return grad_x_hat * inv_std                        # mu, var are constants in eval mode
        # mu and var depend on x: dL/dx = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / sigma
        mean_grad = grad_x_hat.mean(axis=axes, keepdims=True)
        mean_grad_x_hat = (grad_x_hat * self.x_hat).mean(axis=axes, keepdims=True)
        return (grad_x_hat - mean_grad - self.x_hat * mean_grad_x_hat) * inv_std


class BatchNorm1d(BatchNorm1dSpec, _BatchNorm):
    """Batch normalization of x: (N, C) or (N, C, L), statistics per channel C."""


class BatchNorm2d(BatchNorm2dSpec, _BatchNorm):
    """Batch normalization of images x: (N, C, H, W), statistics per channel C (over N, H and W)."""


class Flatten(FlattenSpec, Module):
    """Axes start_dim..end_dim merged into one, as torch.nn.Flatten: (N, C, H, W) -> (N, C*H*W) by default.

    Elements keep their (C, H, W) order, so a Linear after it has torch's weight layout;
    backward reshapes dL/dy back to the input's shape."""

    def forward(self, x):
        start, end = check_axis_range(self, x, self.start_dim, self.end_dim)
        self.input_shape = x.shape
        return x.reshape(x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:])

    def backward(self, grad_out):
        return grad_out.reshape(self.input_shape)
