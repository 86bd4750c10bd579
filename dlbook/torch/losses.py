"""Losses of the torch backend (torch.nn.functional), with the same checks as the NumPy reference.

loss = loss_fn(input, target); loss_fn.backward() returns dL/d(input)."""

import math

import torch.nn.functional as F

from ..core.errors import (
    check_broadcastable,
    check_class_target,
    check_class_weight,
    check_finite,
    check_floating,
    check_ndim,
    check_real,
    check_same_shape,
    check_something_to_average,
)
from ..core.specs import BCEWithLogitsLossSpec, CrossEntropyLossSpec, LossSpec
from .module import Module
from .tensor import is_finite


class _Loss(Module):
    """What every loss does besides its formula; the arguments and buffers are the specs'."""

    def _check_input(self, input, dtype=None):
        check_floating(self, input, dtype=dtype)
        check_finite(self, input, is_finite(input))

    def _check_target(self, input, target):
        """A target of the input's shape, real and finite (read in the input's dtype)."""
        check_same_shape(self, input, target)
        check_real(self, target)
        check_finite(self, target, is_finite(target), what="target")
        if self.reduction == "mean":
            check_something_to_average(self, input.numel())

    def backward(self, grad_out=1.0):
        """dL/d(input) for the last forward call (grad_out = dL/dloss, 1 by default; with reduction='none'
        one per element, of the loss's shape)."""
        return super().backward(grad_out)


class MSELoss(LossSpec, _Loss):
    """L = mean((x - t)^2)."""

    def forward(self, input, target):
        self._check_input(input)
        self._check_target(input, target)
        return self._keep(F.mse_loss(self._track(input), target.to(input.dtype), reduction=self.reduction))


class BCEWithLogitsLoss(BCEWithLogitsLossSpec, _Loss):
    """L = -w [p t log sigma(x) + (1 - t) log(1 - sigma(x))], from logits x."""

    def forward(self, input, target):
        self._check_input(input)
        self._check_target(input, target)
        for name in ("weight", "pos_weight"):
            if getattr(self, name) is not None:
                check_broadcastable(self, getattr(self, name), input.shape, name)
        return self._keep(F.binary_cross_entropy_with_logits(
            self._track(input), target.to(input.dtype), self.weight, reduction=self.reduction,
            pos_weight=self.pos_weight))


class CrossEntropyLoss(CrossEntropyLossSpec, _Loss):
    """Categorical cross-entropy on logits x: (N, C) or (N, C, d1, ...), targets class indices
    (N, d1, ...) or class probabilities (like x)."""

    def forward(self, input, target):
        weight = self.weight                                # the class weights w_c, or None
        self._check_input(input, dtype=None if weight is None else weight.dtype)
        check_ndim(self, input, (2, 3, 4, 5), layout="(N, C) or (N, C, d1, ...)")
        if weight is not None:
            check_class_weight(self, weight, input.shape[1])
        mean = self.reduction == "mean"
        if target.is_floating_point():
            check_same_shape(self, input, target)
            check_finite(self, target, is_finite(target), what="target")
            if mean:
                check_something_to_average(self, input.shape[0] * math.prod(input.shape[2:]))
            target = target.to(input.dtype)
        else:
            check_class_target(self, input, target, self.ignore_index, need_one=mean)
            target = target.long()                       # any integer dtype holds class indices (torch: int64)
        return self._keep(F.cross_entropy(
            self._track(input), target, weight, ignore_index=self.ignore_index, reduction=self.reduction,
            label_smoothing=self.label_smoothing))
