"""Losses of the NumPy reference, from logits and numerically stable, as torch.nn.

loss = loss_fn(input, target) returns a scalar (reduction 'mean' or 'sum') or the
per-element losses ('none'); loss_fn.backward() returns dL/d(input).
"""

import numpy as np

from ..errors import check_class_target, check_finite, check_ndim, check_same_shape
from .module import Module
from .tensor import asarray, is_finite

REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def _check_input(self, input):
        check_finite(self, input, is_finite(input))

    def _reduce(self, losses, denominator=None):
        """Per-element losses -> the reduced loss; keeps the scale that backward needs."""
        if self.reduction == "none":
            self.scale = 1.0
            return losses
        if self.reduction == "sum":
            self.scale = 1.0
            return losses.sum()
        denominator = losses.size if denominator is None else denominator
        self.scale = 1.0 / denominator
        return losses.sum() * losses.dtype.type(self.scale)

    def _upstream(self, grad_out, shape):
        """dL/d(per-element loss) as an array of `shape`: grad_out times the reduction's scale."""
        grad_out = np.asarray(grad_out)
        if self.reduction == "none":
            check_same_shape(self, np.empty(shape), grad_out)
            return grad_out
        return grad_out * self.scale

    def backward(self, grad_out=1.0):
        """dL/d(input) for the last forward call (grad_out = dL/dloss, 1 by default)."""
        raise NotImplementedError

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    """L = mean((x - t)^2);  dL/dx = 2 (x - t) / n."""

    def forward(self, input, target):
        self._check_input(input)
        check_same_shape(self, input, target)
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


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits x, targets t in [0, 1], p = pos_weight:

    L = -w [p t log sigma(x) + (1 - t) log(1 - sigma(x))] = w [(1 - t) x + (1 + (p - 1) t) softplus(-x)]
    dL/dx = w [(1 - t) - (1 + (p - 1) t) (1 - sigma(x))]   (= w (sigma(x) - t) when p = 1)
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.weight = None if weight is None else asarray(weight)
        self.pos_weight = None if pos_weight is None else asarray(pos_weight)

    def forward(self, input, target):
        self._check_input(input)
        check_same_shape(self, input, target)
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


class CrossEntropyLoss(_Loss):
    """Categorical cross-entropy on logits x: (N, C) or (N, C, d1, ...).

    With class indices y (N, d1, ...):   l_i = -w_{y_i} log softmax(x_i)_{y_i}
    With class probabilities q (like x): l_i = -sum_c w_c q_ic log softmax(x_i)_c
    label_smoothing eps mixes the target with the uniform distribution: (1 - eps) target + eps / C.
    'mean' divides by the summed weights of the kept targets (by N for probabilities), as torch.
    dL/dx_ic = (sum_k w_k q_ik) p_ic - w_c q_ic, p = softmax(x_i) (the gradient of softmax+log).
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
        self.weight = None if weight is None else asarray(weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        self._check_input(input)
        check_ndim(self, input, (2, 3, 4, 5), layout="(N, C) or (N, C, d1, ...)")
        self.input_shape = input.shape
        n_classes = input.shape[1]
        logits = np.moveaxis(input, 1, -1).reshape(-1, n_classes)            # (M, C), M = N * d1 * ...
        weight = np.ones(n_classes, input.dtype) if self.weight is None else self.weight.astype(input.dtype)
        if target.dtype.kind == "f":                                         # class probabilities
            check_same_shape(self, input, target)
            q = np.moveaxis(target, 1, -1).reshape(-1, n_classes).astype(input.dtype)
            kept = np.ones(len(q), bool)
            denominator = len(q)
        else:                                                                # class indices
            check_class_target(self, input, target, self.ignore_index)
            labels = target.reshape(-1)
            kept = labels != self.ignore_index
            q = np.zeros_like(logits)
            q[np.flatnonzero(kept), labels[kept]] = 1.0                     # one-hot y
            denominator = weight[labels[kept]].sum()
        if self.label_smoothing:
            q = (1 - self.label_smoothing) * q + self.label_smoothing / n_classes
            q[~kept] = 0.0
        self.log_p = log_softmax(logits)
        self.weighted_q = q * weight                                         # w_c q_ic
        losses = -(self.weighted_q * self.log_p).sum(axis=1)                 # l_i
        if self.reduction == "none":
            return losses.reshape((input.shape[0],) + input.shape[2:])
        return self._reduce(losses, denominator)

    def backward(self, grad_out=1.0):
        p = np.exp(self.log_p)                                               # softmax(x_i)
        grad = self.weighted_q.sum(axis=1, keepdims=True) * p - self.weighted_q
        upstream = self._upstream(grad_out, (self.input_shape[0],) + self.input_shape[2:])
        grad = grad * np.reshape(upstream, (-1, 1))
        n, c = self.input_shape[0], self.input_shape[1]
        grad = grad.reshape((n,) + self.input_shape[2:] + (c,))
        return np.moveaxis(grad, -1, 1).astype(self.log_p.dtype)

    def extra_repr(self):
        return super().extra_repr()
