"""Optimizers of the NumPy reference with torch.optim's exact update rules.

theta: a parameter, g: its gradient, eta: the learning rate, t: the step count.
Parameters whose .grad is None are skipped, as torch: so are frozen ones (requires_grad_(False)), which
backward never gives a gradient (weight decay, momentum and Adam's moments leave them as they are).
"""

import math
import warnings

import numpy as np

from ..core.errors import type_name
from ..core.specs import AdamSpec, AdamWSpec, OptimizerSpec, RMSpropSpec, SGDSpec
from .module import Parameter


class Optimizer(OptimizerSpec):
    """Holds param_groups (lists of Parameters with their hyper-parameters) and per-parameter state."""

    def __init__(self, params, defaults):
        """As torch.optim.Optimizer, with its messages ("Tensors" read "Parameters" here)."""
        self.defaults = dict(defaults)
        self.state = {}
        if isinstance(params, Parameter):
            raise TypeError("params argument given to the optimizer should be an iterable of Parameters or dicts, "
                            "but got Parameter")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own settings (the others from the defaults), as torch."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = [params] if isinstance(params, Parameter) else list(params)
        for param in params:
            if not isinstance(param, Parameter):
                raise TypeError(f"optimizer can only optimize Parameters, but one of the params is {type_name(param)}")
        if len({id(param) for param in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        seen = {id(param) for group in self.param_groups for param in group["params"]}
        if any(id(param) in seen for param in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append({**self.defaults, **param_group, "params": params})

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    param.grad.fill(0)

    def _params_with_grad(self, group):
        for param in group["params"]:
            if param.grad is not None:
                yield param, self.state.setdefault(id(param), {})

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for param, state in self._params_with_grad(group):
                grad = -param.grad if group.get("maximize") else param.grad
                self.update(param.data, grad, state, group)
        return loss

    def update(self, theta, grad, state, group):
        """The update rule of one parameter, in place: theta (the parameter's array), grad = dL/dtheta,
        state (this parameter's buffers, e.g. the momentum), group (lr and the other settings)."""
        raise NotImplementedError

    def __repr__(self):
        """torch.optim's layout: one block per parameter group, its settings in sorted order."""
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"


class SGD(SGDSpec, Optimizer):
    """g <- g + lambda theta;  m <- mu m + (1 - dampening) g  (m = g at the first step);
    g <- g + mu m (nesterov) or m;  theta <- theta - eta g."""

    def update(self, theta, grad, state, group):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * theta                      # L2: g + lambda theta
        momentum = group["momentum"]
        if momentum:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.array(grad, dtype=theta.dtype)  # m_1 = g_1
            else:
                buffer = state["momentum_buffer"]
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad                    # m = mu m + (1 - dampening) g
            buffer = state["momentum_buffer"]
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        theta -= (group["lr"] * grad).astype(theta.dtype, copy=False)        # theta <- theta - eta g


class RMSprop(RMSpropSpec, Optimizer):
    """v <- alpha v + (1 - alpha) g^2;  theta <- theta - eta g / (sqrt(v) + eps)
    (centered: v - (mean g)^2 under the root; momentum: a buffer of the scaled steps)."""

    def update(self, theta, grad, state, group):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(theta)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(theta)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(theta)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * theta
        alpha, square_avg = group["alpha"], state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad                               # v = alpha v + (1 - alpha) g^2
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)                       # m = alpha m + (1 - alpha) g
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]                                                   # sqrt(v) + eps
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer *= group["momentum"]
            buffer += grad / avg
            theta -= (group["lr"] * buffer).astype(theta.dtype, copy=False)
        else:
            theta -= (group["lr"] * grad / avg).astype(theta.dtype, copy=False)


class Adam(AdamSpec, Optimizer):
    """m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2;
    theta <- theta - eta / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps).
    weight_decay adds lambda theta to g (L2); with decoupled_weight_decay (AdamW) it decays theta directly."""

    def update(self, theta, grad, state, group):
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(theta)
            state["exp_avg_sq"] = np.zeros_like(theta)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(theta)
        state["step"] += 1
        t, lr, (beta1, beta2) = state["step"], group["lr"], group["betas"]
        if group["weight_decay"]:
            if group["decoupled_weight_decay"]:
                theta *= 1 - lr * group["weight_decay"]                        # AdamW: theta <- theta (1 - eta lambda)
            else:
                grad = grad + group["weight_decay"] * theta                    # Adam: g + lambda theta
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (grad - m)                                          # m = beta1 m + (1 - beta1) g
        v *= beta2
        v += (1 - beta2) * grad * grad                                         # v = beta2 v + (1 - beta2) g^2
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        step_size = lr / (1 - beta1**t)                                        # eta / (1 - beta1^t)
        denom = np.sqrt(v)
        denom /= math.sqrt(1 - beta2**t)
        denom += group["eps"]                                                  # sqrt(v_hat) + eps
        step = np.divide(m, denom, out=denom)
        step *= step_size
        theta -= step                                                          # theta -= eta_t m_hat / denom


class AdamW(AdamWSpec, Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): theta <- theta (1 - eta lambda) first."""


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint norm is at most max_norm; returns the norm
    before clipping (as torch.nn.utils.clip_grad_norm_; `foreach` is accepted and ignored)."""
    if isinstance(parameters, Parameter):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return np.float32(0.0)
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(np.abs(g).max()) for g in grads)
    else:
        total = sum(float((np.abs(g) ** norm_type).sum()) for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error, set "
                           "`error_if_nonfinite=False`")
    clip_coef = max_norm / (total + 1e-6)
    if clip_coef < 1:
        for grad in grads:
            grad *= grad.dtype.type(clip_coef)
    return np.asarray(total, dtype=grads[0].dtype)
