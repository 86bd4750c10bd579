"""Losses of the torch backend (torch.nn.functional), with the same checks as the NumPy reference.

loss = loss_fn(input, target); loss_fn.backward() returns dL/d(input)."""

import torch.nn.functional as F

from ..core.errors import check_class_target, check_finite, check_ndim, check_same_shape
from ..core.specs import BCEWithLogitsLossSpec, CrossEntropyLossSpec, LossSpec
from .module import Module
from .tensor import asarray, is_finite


class _Loss(Module):
    """What every loss does besides its formula; the arguments and buffers are the specs'."""

    def _check_input(self, input):
        check_finite(self, input, is_finite(input))

    def backward(self, grad_out=1.0):
        """dL/d(input) for the last forward call (grad_out = dL/dloss, 1 by default)."""
        if self.reduction == "none":
            check_same_shape(self, self._output, asarray(grad_out))
        return super().backward(grad_out)


class MSELoss(LossSpec, _Loss):
    """L = mean((x - t)^2)."""

    def forward(self, input, target):
        self._check_input(input)
        check_same_shape(self, input, target)
        check_finite(self, target, is_finite(target), what="target")
        return self._keep(F.mse_loss(self._track(input), target.to(input.dtype), reduction=self.reduction))


class BCEWithLogitsLoss(BCEWithLogitsLossSpec, _Loss):
    """L = -w [p t log sigma(x) + (1 - t) log(1 - sigma(x))], from logits x."""

    def forward(self, input, target):
        self._check_input(input)
        check_same_shape(self, input, target)
        check_finite(self, target, is_finite(target), what="target")
        return self._keep(F.binary_cross_entropy_with_logits(
            self._track(input), target.to(input.dtype), self.weight, reduction=self.reduction,
            pos_weight=self.pos_weight))


class CrossEntropyLoss(CrossEntropyLossSpec, _Loss):
    """Categorical cross-entropy on logits x: (N, C) or (N, C, d1, ...), targets class indices
    (N, d1, ...) or class probabilities (like x)."""

    def forward(self, input, target):
        self._check_input(input)
        check_ndim(self, input, (2, 3, 4, 5), layout="(N, C) or (N, C, d1, ...)")
        if target.is_floating_point():
            check_same_shape(self, input, target)
            target = target.to(input.dtype)
        else:
            check_class_target(self, input, target, self.ignore_index)
        weight = None if self.weight is None else self.weight.to(input.dtype)
        return self._keep(F.cross_entropy(
            self._track(input), target, weight, ignore_index=self.ignore_index, reduction=self.reduction,
            label_smoothing=self.label_smoothing))
