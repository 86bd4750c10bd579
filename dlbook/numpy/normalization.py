"""LayerNorm of the NumPy reference: each sample normalized over its own features (Ba et al., 2016).

    x_hat = (x - mu) / sqrt(var + eps)      mu, var (biased) over the last len(normalized_shape) axes
    y = gamma * x_hat + beta
    dL/dx = (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)) / sqrt(var + eps),   dx_hat = gamma * dL/dy

the same backward as batch normalization's, with the mean taken over the features instead of the batch.
"""

from ..core.errors import check_finite, check_floating
from ..core.specs import LayerNormSpec
from .module import Module
from .tensor import is_finite


class LayerNorm(LayerNormSpec, Module):
    """y = gamma * (x - mu) / sqrt(var + eps) + beta over the last axes, as torch.nn.LayerNorm.

    x (*, *normalized_shape) -> y of the same shape; weight (gamma) and bias (beta) of normalized_shape.
    The statistics are each sample's own: the same in training and in eval mode, no running averages."""

    def forward(self, x):
        self.check_input(x)
        check_floating(self, x, dtype=None if self.weight is None else self.weight.dtype)   # as torch
        check_finite(self, x, is_finite(x))
        axes = self.normalized_axes()
        mean = x.mean(axis=axes, keepdims=True)                       # mu over the normalized axes
        var = x.var(axis=axes, keepdims=True)                         # var = mean of (x - mu)^2 (biased)
        self.inv_std = 1.0 / (var + x.dtype.type(self.eps)) ** 0.5     # 1 / sqrt(var + eps)
        self.x_hat = (x - mean) * self.inv_std                         # kept for backward
        if self.weight is None:
            return self.x_hat
        y = self.x_hat * self.weight.data                              # gamma * x_hat
        return y + self.bias.data if self.bias is not None else y      #   + beta

    def backward(self, grad_out):                                      # grad_out = dL/dy
        axes = self.normalized_axes()
        batch_axes = tuple(range(grad_out.ndim - len(axes)))
        grad_x_hat = grad_out
        if self.weight is not None:
            self.weight.accumulate_grad((grad_out * self.x_hat).sum(axis=batch_axes))    # dL/dgamma
            if self.bias is not None:
                self.bias.accumulate_grad(grad_out.sum(axis=batch_axes))                 # dL/dbeta
            grad_x_hat = grad_out * self.weight.data                                    # dL/dx_hat
        mean_grad = grad_x_hat.mean(axis=axes, keepdims=True)
        mean_grad_x_hat = (grad_x_hat * self.x_hat).mean(axis=axes, keepdims=True)
        return (grad_x_hat - mean_grad - self.x_hat * mean_grad_x_hat) * self.inv_std
