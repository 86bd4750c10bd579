"""Losses of the NumPy reference, from logits and numerically stable, as torch.nn.

loss = loss_fn(input, target) returns a scalar (reduction 'mean' or 'sum') or the
per-element losses ('none'); loss_fn.backward() returns dL/d(input).
"""

import numpy as np

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
    """What every loss does besides its formula: the reduction and its scale for backward. The
    arguments and buffers are the specs'."""

    def _check_input(self, input, dtype=None):
        check_floating(self, input, dtype=dtype)
        check_finite(self, input, is_finite(input))

    def _check_target(self, input, target):
        """A target of the input's shape, real and finite (read in the input's dtype)."""
        check_same_shape(self, input, target)
        check_real(self, target)
        check_finite(self, target, is_finite(target), what="target")

    def _reduce(self, losses, denominator=None):
        """Per-element losses -> the reduced loss; keeps the scale that backward needs."""
        if self.reduction == "none":
            self.scale = 1.0
            return losses
        if self.reduction == "sum":
            self.scale = 1.0
            return losses.sum()
        check_something_to_average(self, losses.size)
        denominator = losses.size if denominator is None else denominator
        self.scale = 1.0 / denominator
        return losses.sum() * losses.dtype.type(self.scale)

    def _upstream(self, grad_out, shape):
        """dL/d(per-element loss) as an array of `shape` (Module checked grad_out's shape): grad_out times
        the reduction's scale."""
        grad_out = np.asarray(grad_out)
        if self.reduction == "none":
            return grad_out
        return grad_out * self.scale

    def backward(self, grad_out=1.0):
        """dL/d(input) for the last forward call (grad_out = dL/dloss, 1 by default)."""
        raise NotImplementedError


class MSELoss(LossSpec, _Loss):
    """L = mean((x - t)^2);  dL/dx = 2 (x - t) / n."""

    def forward(self, input, target):
        self._check_input(input)
        self._check_target(input, target)
        target = target.astype(input.dtype, copy=False)       # an integer target must not promote x
        self.diff = input - target                             # x - t
        return self._reduce(self.diff * self.diff)

    def backward(self, grad_out=1.0):
        return (2 * self.diff * self._upstream(grad_out, self.diff.shape)).astype(self.diff.dtype)


def softplus(x):
    """log(1 + exp(x)), never overflowing: max(x, 0) + log(1 + exp(-|x|))."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x):
    exp_neg_abs = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + exp_neg_abs), exp_neg_abs / (1 + exp_neg_abs))


class BCEWithLogitsLoss(BCEWithLogitsLossSpec, _Loss):
    """Binary cross-entropy on logits x, targets t in [0, 1], p = pos_weight:

    L = -w [p t log sigma(x) + (1 - t) log(1 - sigma(x))] = w [(1 - t) x + (1 + (p - 1) t) softplus(-x)]
    dL/dx = w [(1 - t) - (1 + (p - 1) t) (1 - sigma(x))]   (= w (sigma(x) - t) when p = 1)
    """

    def forward(self, input, target):
        self._check_input(input)
        self._check_target(input, target)
        for name in ("weight", "pos_weight"):
            if getattr(self, name) is not None:
                check_broadcastable(self, getattr(self, name), input.shape, name)
        target = target.astype(input.dtype, copy=False)
        log_weight = 1.0 if self.pos_weight is None else 1 + (self.pos_weight - 1) * target
        self.input, self.target, self.log_weight = input, target, log_weight
        losses = (1 - target) * input + log_weight * softplus(-input)
        if self.weight is not None:
            losses = losses * self.weight
        return self._reduce(losses.astype(input.dtype, copy=False))

    def backward(self, grad_out=1.0):
        grad = (1 - self.target) - self.log_weight * (1 - sigmoid(self.input))
        if self.weight is not None:
            grad = grad * self.weight
        return (grad * self._upstream(grad_out, self.input.shape)).astype(self.input.dtype)


def log_softmax(x, axis=-1):
    """log(softmax(x)) = x - max - log(sum(exp(x - max))): the log-sum-exp trick."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class CrossEntropyLoss(CrossEntropyLossSpec, _Loss):
    """Categorical cross-entropy on logits x: (N, C) or (N, C, d1, ...), p_i = softmax(x_i).

    With class indices y (N, d1, ...):   l_i = -w_{y_i} log p_{i, y_i}
    With class probabilities q (like x): l_i = -sum_c w_c q_ic log p_ic
    label_smoothing eps mixes the target with the uniform distribution: (1 - eps) target + eps / C.
    'mean' divides by the summed weights of the kept targets (by N for probabilities), as torch.
    dL/dx_ic = (sum_k w_k q_ik) p_ic - w_c q_ic  (softmax and log together: for one-hot q, p - q).
    """

    def forward(self, input, target):
        self._check_input(input, dtype=None if self.weight is None else self.weight.dtype)
        check_ndim(self, input, (2, 3, 4, 5), layout="(N, C) or (N, C, d1, ...)")
        if self.weight is not None:
            check_class_weight(self, self.weight, input.shape[1])
        self.input_shape = input.shape
        n_classes = input.shape[1]
        logits = input if input.ndim == 2 else np.moveaxis(input, 1, -1).reshape(-1, n_classes)  # (M, C)
        self.class_weight = None if self.weight is None else self.weight.astype(input.dtype)
        self.log_p = log_softmax(logits)                                     # log p_ic
        if target.dtype.kind == "f":
            losses, denominator = self._probability_losses(input, target)
        else:
            check_class_target(self, input, target, self.ignore_index)
            losses, denominator = self._index_losses(target.reshape(-1))
        if self.reduction == "none":
            return losses.reshape((input.shape[0],) + input.shape[2:])
        return self._reduce(losses, denominator)

    def _index_losses(self, labels):
        """l_i = (1 - eps) w_y (-log p_iy) + eps / C sum_c w_c (-log p_ic), ignored rows 0."""
        eps, n_classes = self.label_smoothing, self.log_p.shape[1]
        kept = (labels != self.ignore_index).astype(self.log_p.dtype)
        self.labels = np.where(kept > 0, labels, 0)
        self.rows = np.arange(len(labels))
        self.weight_of_label = kept if self.class_weight is None else self.class_weight[self.labels] * kept  # w_y
        self.kept, self.probability_target = kept, None
        losses = -self.log_p[self.rows, self.labels] * self.weight_of_label
        if eps:
            weighted_log_p = self.log_p if self.class_weight is None else self.log_p * self.class_weight
            losses = (1 - eps) * losses - (eps / n_classes) * weighted_log_p.sum(axis=1) * kept
        return losses, self.weight_of_label.sum()

    def _probability_losses(self, input, target):
        """l_i = -sum_c w_c q_ic log p_ic with q smoothed; 'mean' divides by the row count."""
        check_same_shape(self, input, target)
        check_finite(self, target, is_finite(target), what="target")
        n_classes = input.shape[1]
        q = target if target.ndim == 2 else np.moveaxis(target, 1, -1).reshape(-1, n_classes)
        q = q.astype(input.dtype)
        if self.label_smoothing:
            q = (1 - self.label_smoothing) * q + self.label_smoothing / n_classes
        self.probability_target = q if self.class_weight is None else q * self.class_weight   # w_c q_ic
        return -(self.probability_target * self.log_p).sum(axis=1), len(q)

    def _grad_logits(self):
        """dL/dx for every row, before the reduction: (sum_k w_k q_ik) p_ic - w_c q_ic."""
        p = np.exp(self.log_p)                                                # softmax(x_i)
        if self.probability_target is not None:
            weighted_q = self.probability_target
            return weighted_q.sum(axis=1, keepdims=True) * p - weighted_q
        eps, n_classes = self.label_smoothing, p.shape[1]
        total_weight = n_classes if self.class_weight is None else self.class_weight.sum()
        row_weight = (1 - eps) * self.weight_of_label + (eps / n_classes) * total_weight * self.kept
        grad = p * row_weight[:, None]
        grad[self.rows, self.labels] -= (1 - eps) * self.weight_of_label      # - (1 - eps) w_y at the label
        if eps:
            class_weight = 1.0 if self.class_weight is None else self.class_weight
            grad -= (eps / n_classes) * self.kept[:, None] * class_weight     # - eps / C w_c everywhere
        return grad

    def backward(self, grad_out=1.0):
        n, c = self.input_shape[0], self.input_shape[1]
        upstream = self._upstream(grad_out, (n,) + tuple(self.input_shape[2:]))
        grad = self._grad_logits() * np.reshape(upstream, (-1, 1))
        if len(self.input_shape) > 2:
            grad = np.moveaxis(grad.reshape((n,) + tuple(self.input_shape[2:]) + (c,)), -1, 1)
        return grad.astype(self.log_p.dtype, copy=False)
