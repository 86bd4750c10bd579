"""One spec per layer and loss, shared by both backends: what a layer *is*, not what it computes.

A spec owns the layer's constructor (torch.nn's argument names, order and defaults, plus keyword-only
`seed=None` where the layer draws random numbers), checks the arguments (with torch's messages), keeps
the configuration, declares the parameters and buffers (names in torch's order, initial values drawn as
NumPy arrays by dlbook.core.init, so one seed gives bit-identical weights on both backends), and writes
the repr: extra_repr (torch's) and short_repr (the name errors use, e.g. `Linear(64, 32)`).

A backend layer is its spec followed by that backend's Module, and adds only the maths:

    class Linear(LinearSpec, Module):            # dlbook/numpy/layers.py: forward and backward by hand
        def forward(self, x): ...
        def backward(self, grad_out): ...

    class Linear(LinearSpec, Module):            # dlbook/torch/layers.py: forward; autograd does backward
        def forward(self, x): ...

The spec always comes first in the bases: its __init__ is the layer's constructor (one signature on both
backends), and it calls super().__init__() -- the backend's Module -- before anything else. Parameters
and buffers reach the backend through two hooks that each backend's Module implements once, with
torch's register_parameter / register_buffer meaning (None registers the name without a value):

    self._add_parameter(name, values)        values: a NumPy array, or None
    self._add_buffer(name, values)           values: array-like, or None; kept in state_dict

Specs import no backend and compute nothing but the initial values.
"""

import numpy as np

from . import init
from .errors import ShapeError, layer_name
from .windows import Window, check_pooling_padding, compact, pair

STATE_AXES = "(num_layers, N, hidden_size)"
REDUCTIONS = ("mean", "sum", "none")


# --- dense and spatial layers -------------------------------------------------------------------


class LinearSpec:
    """Linear(in_features, out_features, bias=True, *, seed=None), as torch.nn.Linear:
    weight (out_features, in_features) and bias (out_features,), both ~ U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features, out_features, bias=True, *, seed=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        weight, bias_values = init.default_weight_and_bias((out_features, in_features),
                                                           (out_features,) if bias else None, seed)
        self._add_parameter("weight", weight)
        self._add_parameter("bias", bias_values)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    def short_repr(self):
        return f"Linear({self.in_features}, {self.out_features})"


class Conv2dSpec:
    """Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, *, bias=True, seed=None):
    kernel_size, stride and padding kept as (height, width) pairs, as torch.nn.Conv2d keeps them;
    weight (C_out, C_in, kh, kw) and bias (C_out,) drawn as torch's."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *, bias=True, seed=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = pair(padding, "padding", minimum=0)
        weight, bias_values = init.default_weight_and_bias((out_channels, in_channels, *self.kernel_size),
                                                           (out_channels,) if bias else None, seed)
        self._add_parameter("weight", weight)
        self._add_parameter("bias", bias_values)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text + ("" if self.bias is not None else ", bias=False")

    def short_repr(self):
        text = f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={compact(self.kernel_size)}"
        if self.stride != (1, 1):
            text += f", stride={compact(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={compact(self.padding)}"
        return text + ")"


class Pool2dSpec:
    """MaxPool2d / AvgPool2d(kernel_size, stride=None, padding=0): the arguments kept as given (as torch
    keeps them; stride defaults to kernel_size), and as (height, width) pairs in `window`."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.window = Window(pair(kernel_size, "kernel_size"), pair(self.stride, "stride"),
                             pair(padding, "padding", minimum=0))
        check_pooling_padding(self.window.kernel_size, self.window.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def short_repr(self):
        text = f"{type(self).__name__}(kernel_size={compact(self.kernel_size)}"
        if self.window.stride != self.window.kernel_size:
            text += f", stride={compact(self.stride)}"
        if self.window.padding != (0, 0):
            text += f", padding={compact(self.padding)}"
        return text + ")"


class MaxPool2dSpec(Pool2dSpec):
    """MaxPool2d(kernel_size, stride=None, padding=0); torch's repr also shows its fixed dilation=1 and
    ceil_mode=False (the only values dlbook supports)."""

    def extra_repr(self):
        return super().extra_repr() + ", dilation=1, ceil_mode=False"


class BatchNormSpec:
    """BatchNorm1d / BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
    weight (gamma, ones) and bias (beta, zeros) when affine; buffers running_mean (zeros), running_var (ones)
    and num_batches_tracked (0) when tracking, as torch.nn.BatchNorm*. A subclass names the input ranks."""

    layout = ""                 # the accepted input layouts, for errors
    allowed_ndim = ()           # the accepted input ranks

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self._add_parameter("weight", np.ones(num_features) if affine else None)           # gamma
        self._add_parameter("bias", np.zeros(num_features) if affine else None)            # beta
        tracked = track_running_stats
        self._add_buffer("running_mean", np.zeros(num_features) if tracked else None)
        self._add_buffer("running_var", np.ones(num_features) if tracked else None)
        self._add_buffer("num_batches_tracked", np.array(0, dtype=np.int64) if tracked else None)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.affine}, track_running_stats={self.track_running_stats}")     # bias exactly when affine

    def short_repr(self):
        return f"{type(self).__name__}({self.num_features})"


class BatchNorm1dSpec(BatchNormSpec):
    """Batch normalization of x: (N, C) or (N, C, L), statistics per channel C."""

    layout = "(N, C) or (N, C, L)"
    allowed_ndim = (2, 3)


class BatchNorm2dSpec(BatchNormSpec):
    """Batch normalization of images x: (N, C, H, W), statistics per channel C (over N, H and W)."""

    layout = "(N, C, H, W)"
    allowed_ndim = (4,)


class DropoutSpec:
    """Dropout(p=0.5, inplace=False, *, seed=None): the masks are drawn from a NumPy Generator (`seed`),
    so both backends drop the same units."""

    def __init__(self, p=0.5, inplace=False, *, seed=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace
        self.generator = init.generator(seed)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class FlattenSpec:
    """Flatten(start_dim=1, end_dim=-1), as torch.nn.Flatten."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


# --- activations with arguments (Sigmoid and Tanh have none) -----------------------------------


class ReLUSpec:
    """ReLU(inplace=False); `inplace` is accepted as torch's and kept for the repr."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLUSpec:
    """LeakyReLU(negative_slope=0.01, inplace=False)."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELUSpec:
    """GELU(approximate='none'): 'none' (the exact x Phi(x)) or 'tanh' (the tanh approximation)."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SoftmaxSpec:
    """Softmax(dim=None); dim None takes torch's legacy choice (see softmax_dim)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def softmax_dim(self, ndim):
        """The axis of an ndim-D input: `dim`, or when None torch's legacy choice, 0 for 0-, 1- and 3-D
        input, else 1."""
        if self.dim is not None:
            return self.dim
        return 0 if ndim in (0, 1, 3) else 1

    def extra_repr(self):
        return f"dim={self.dim}"


# --- sequence layers ----------------------------------------------------------------------------


class RecurrentSpec:
    """RNN, LSTM and GRU: sizes, the parameters of every layer in torch's order and init, the layout of
    the initial and final states, and the public backward.

    Parameters as torch.nn.RNN/LSTM/GRU: layer l has weight_ih_l{l} (G H, D) (above the first layer
    (G H, H)), weight_hh_l{l} (G H, H), bias_ih_l{l} and bias_hh_l{l} (G H,), every one
    ~ U(-1/sqrt(H), 1/sqrt(H)), with G = `gates` (RNN 1, GRU 3, LSTM 4). One deliberate difference from
    torch: batch_first=True by default (torch: False), so that x is (N, T, D) like every other input.

    A backend writes `_backward(grad_out, grad_final_states)`; `backward` (here, for RNN and GRU, and in
    LSTMSpec with the cell state's gradient too) is the signature the chapters call."""

    gates = 1                       # G: W_ih is (G H, D)
    state_names = ("hx",)           # the initial states hx holds (LSTMSpec: h_0 and c_0)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=True, *, seed=None):
        super().__init__()
        if hidden_size <= 0 or num_layers <= 0 or input_size < 0:
            raise ValueError(f"{type(self).__name__} needs hidden_size > 0, num_layers > 0 and input_size >= 0, "
                             f"got {input_size}, {hidden_size}, {num_layers}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.flat_weight_names = init.recurrent_parameter_names(num_layers, bias)   # torch's order
        for name, values in init.recurrent_parameters(input_size, hidden_size, num_layers, self.gates, bias, seed):
            self._add_parameter(name, values)
        self.h_n = None             # the final hidden state of every layer, after forward

    def _unpack_hx(self, hx):
        """hx as a list of initial states, one per state name."""
        return [hx]

    def _pack_states(self, states):
        """The final states as forward returns them: h_n (LSTM: (h_n, c_n))."""
        return states[0]

    def backward(self, grad_out, grad_h_n=None):
        """dL/d(input) (N, T, D) from grad_out = dL/d(out) (N, T, H) and, optionally, grad_h_n = dL/d(h_n)
        (num_layers, N, H); either may be None (zero). Adds dL/d(parameters) into their .grad and keeps
        dL/d(hx) as grad_hx."""
        return self._backward(grad_out, [grad_h_n])

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        return text + (", batch_first=True" if self.batch_first else "")       # as torch: only when True

    def short_repr(self):
        layers = f", num_layers={self.num_layers}" if self.num_layers != 1 else ""
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{layers})"


class RNNSpec(RecurrentSpec):
    """RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=True, *,
    seed=None): h_t = tanh(...) or relu(...)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=True,
                 *, seed=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, seed=seed)
        self.nonlinearity = nonlinearity


class GRUSpec(RecurrentSpec):
    """GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=True, *, seed=None): gates r, z, n."""

    gates = 3


class LSTMSpec(RecurrentSpec):
    """LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=True, *, seed=None): gates i, f, g, o,
    two states: hx = (h_0, c_0), forward returns (out, (h_n, c_n)), backward also takes dL/d(c_n)."""

    gates = 4
    state_names = ("h_0", "c_0")

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=True, *, seed=None):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, seed=seed)
        self.c_n = None             # the final cell state of every layer, after forward

    def _unpack_hx(self, hx):
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            got = f"an array of shape {tuple(hx.shape)}" if hasattr(hx, "shape") else type(hx).__name__
            raise ShapeError(f"{layer_name(self)} expected hx = (h_0, c_0), two arrays of shape {STATE_AXES}, "
                             f"got {got}")
        return list(hx)

    def _pack_states(self, states):
        return tuple(states)

    def backward(self, grad_out, grad_h_n=None, grad_c_n=None):
        """dL/d(input) (N, T, D) from grad_out = dL/d(out) (N, T, H) and, optionally, dL/d(h_n) and
        dL/d(c_n) (num_layers, N, H); any may be None (zero). Adds dL/d(parameters) into their .grad and
        keeps (dL/dh_0, dL/dc_0) as grad_hx."""
        return self._backward(grad_out, [grad_h_n, grad_c_n])


class LastTimeStepSpec:
    """LastTimeStep(batch_first=True): the last step of a recurrent layer's output, out[:, -1]."""

    def __init__(self, batch_first=True):
        super().__init__()
        self.batch_first = batch_first

    def extra_repr(self):
        return f"batch_first={self.batch_first}"

    def short_repr(self):
        return "LastTimeStep()"


class ResidualSpec:
    """Residual(block): a skip connection y = x + F(x) around `block`, the child named 'block' (so
    state_dict keys are 'block.' plus the block's own, e.g. block.0.weight)."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def check_block_output(self, input, out):
        """Raise ShapeError unless the block kept its input's shape (x + F(x) must not broadcast)."""
        if tuple(out.shape) != tuple(input.shape):
            raise ShapeError(f"{self.short_repr()} expected its block to keep the input's shape "
                             f"{tuple(input.shape)}, got {tuple(out.shape)}")

    def short_repr(self):
        return f"Residual({layer_name(self.block)})"


# --- losses -------------------------------------------------------------------------------------


class LossSpec:
    """MSELoss(reduction='mean'); the reduction every loss takes: 'mean', 'sum' or 'none'."""

    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        return ""                                   # torch.nn's losses print no arguments: MSELoss()

    def short_repr(self):
        """The name error messages use: the reduction shown when it is not the default."""
        return f"{type(self).__name__}(" + (f"reduction={self.reduction!r}" if self.reduction != "mean" else "") + ")"


class BCEWithLogitsLossSpec(LossSpec):
    """BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None): weight and pos_weight are buffers
    (in state_dict), as torch."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self._add_buffer("weight", weight)
        self._add_buffer("pos_weight", pos_weight)


class CrossEntropyLossSpec(LossSpec):
    """CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0); the class
    weights are a buffer, as torch."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
        self._add_buffer("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing


# --- optimizers ---------------------------------------------------------------------------------
#
# An optimizer spec owns torch.optim's constructor (names, order, defaults), checks the settings with
# torch's messages and hands them to the backend's optimizer as one dict of defaults, as
# torch.optim.Optimizer(params, defaults) takes them: `class SGD(SGDSpec, Optimizer)`.


def _check_setting(name, value):
    if value < 0.0:
        raise ValueError(f"Invalid {name}: {value}")


class OptimizerSpec:
    """`optimizer.lr`: the learning rate eta of the first param group; setting it sets every group's."""

    @property
    def lr(self):
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        for group in self.param_groups:
            group["lr"] = value


class SGDSpec(OptimizerSpec):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False):
        for name, value in (("learning rate", lr), ("momentum value", momentum),
                            ("weight_decay value", weight_decay)):
            _check_setting(name, value)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))


class RMSpropSpec(OptimizerSpec):
    """RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
    maximize=False)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False):
        for name, value in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                            ("weight_decay value", weight_decay), ("alpha value", alpha)):
            _check_setting(name, value)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))


class AdamSpec(OptimizerSpec):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False,
    decoupled_weight_decay=False): decoupled_weight_decay=True is AdamW's rule, as in torch.optim.Adam."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False):
        for name, value in (("learning rate", lr), ("epsilon value", eps), ("weight_decay value", weight_decay)):
            _check_setting(name, value)
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=bool(decoupled_weight_decay)))


class AdamWSpec(AdamSpec):
    """AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
    maximize=False): Adam's settings, with torch's default weight decay."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


# --- generative layers: transposed convolution and upsampling -----------------------------------

UPSAMPLE_MODES = ("nearest", "bilinear")


class ConvTranspose2dSpec:
    """ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, *,
    bias=True, seed=None), as torch.nn.ConvTranspose2d: kernel_size, stride, padding and output_padding
    kept as (height, width) pairs; weight (C_in, C_out, kh, kw) (input channels first: the transpose of a
    Conv2d(C_out, C_in) weight) and bias (C_out,), drawn as torch's (fan_in = C_out kh kw, its dim 1).

    Output size Ho = (H - 1) sh - 2 ph + kh + oph (Wo alike); output_padding must be smaller than the
    stride, as torch checks (it only picks one of the sizes a strided Conv2d maps onto the same H)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, *,
                 bias=True, seed=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = pair(padding, "padding", minimum=0)
        self.output_padding = pair(output_padding, "output_padding", minimum=0)
        if any(op >= s for op, s in zip(self.output_padding, self.stride)):
            (oph, opw), (sh, sw) = self.output_padding, self.stride
            raise ValueError(f"output padding must be smaller than either stride or dilation, but got "
                             f"output_padding_height: {oph} output_padding_width: {opw} stride_height: {sh} "
                             f"stride_width: {sw} dilation_height: 1 dilation_width: 1")
        weight, bias_values = init.default_weight_and_bias((in_channels, out_channels, *self.kernel_size),
                                                           (out_channels,) if bias else None, seed)
        self._add_parameter("weight", weight)
        self._add_parameter("bias", bias_values)

    def output_size(self, x):
        """(Ho, Wo) of an input x: (N, C_in, H, W), Ho = (H - 1) sh - 2 ph + kh + oph; raises ShapeError
        (with torch's words) when that is not positive."""
        size = tuple((h - 1) * s - 2 * p + k + op for h, s, p, k, op in zip(
            x.shape[2:], self.stride, self.padding, self.kernel_size, self.output_padding))
        if min(size) < 1:
            raise ShapeError(f"{layer_name(self)}: Given input size per channel: ({x.shape[2]} x {x.shape[3]}). "
                             f"Calculated output size per channel: ({size[0]} x {size[1]}). Output size is too small")
        return size

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        return text + ("" if self.bias is not None else ", bias=False")

    def short_repr(self):
        text = f"ConvTranspose2d({self.in_channels}, {self.out_channels}, kernel_size={compact(self.kernel_size)}"
        for name in ("stride", "padding", "output_padding"):
            value, default = getattr(self, name), (1, 1) if name == "stride" else (0, 0)
            if value != default:
                text += f", {name}={compact(value)}"
        return text + ")"


class UpsampleSpec:
    """Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None), as torch.nn.Upsample on
    images x: (N, C, H, W): exactly one of size (an int or (Ho, Wo)) or scale_factor (a whole number, or a
    pair, >= 1: Ho = H sh); mode 'nearest' or 'bilinear'; align_corners only with 'bilinear' (None: False).
    Stored as torch stores them (scale_factor as floats), so the repr is torch's; checked here, where torch
    checks at the first forward, with torch's messages."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        if size is None and scale_factor is None:
            raise ValueError("either size or scale_factor should be defined")
        if size is not None and scale_factor is not None:
            raise ValueError("only one of size or scale_factor should be defined")
        if mode not in UPSAMPLE_MODES:
            raise NotImplementedError(f"Upsample supports the modes {' | '.join(UPSAMPLE_MODES)} (got {mode})")
        if align_corners is not None and mode == "nearest":
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
        self.size = size
        self.output_pair = None if size is None else pair(size, "size")          # (Ho, Wo)
        self.scale_pair = None
        if scale_factor is not None:
            factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2
            if len(factors) != 2 or not all(float(f) == int(f) >= 1 for f in factors):
                raise ValueError(f"Upsample takes whole scale factors >= 1 (or a pair of them), got {scale_factor!r}")
            self.scale_pair = tuple(int(f) for f in factors)                      # (sh, sw)
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners

    def output_size(self, x):
        """(Ho, Wo) of images x: (N, C, H, W): `size`, or (H sh, W sw)."""
        if self.output_pair is not None:
            return self.output_pair
        return tuple(n * s for n, s in zip(x.shape[2:], self.scale_pair))

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"

    def short_repr(self):
        return f"Upsample({self.extra_repr()})"

