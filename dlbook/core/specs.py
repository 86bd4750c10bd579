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
from .errors import (
    IndexRangeError,
    ShapeError,
    check_exact_shape,
    check_sequence,
    dtype_name,
    layer_name,
)
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

    def state_dtype(self):
        """The dtype of gamma and beta or of the running statistics (None without either): the input's, as
        torch's batch_norm requires."""
        for values in (self.weight, self.running_mean):
            if values is not None:
                return values.dtype
        return None

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
    """torch.optim.SGD's check: a negative value is refused (NaN passes, as in torch)."""
    if value < 0.0:
        raise ValueError(f"Invalid {name}: {value}")


def _check_at_least_zero(name, value):
    """torch.optim.Adam's and RMSprop's check: anything but 0 <= value is refused, NaN too."""
    if not 0.0 <= value:
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
            _check_at_least_zero(name, value)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))


class AdamSpec(OptimizerSpec):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False,
    decoupled_weight_decay=False): decoupled_weight_decay=True is AdamW's rule, as in torch.optim.Adam."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False):
        for name, value in (("learning rate", lr), ("epsilon value", eps)):
            _check_at_least_zero(name, value)
        for index, beta in enumerate(betas[:2]):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        _check_at_least_zero("weight_decay value", weight_decay)
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


# --- language models and attention --------------------------------------------------------------
#
# Embedding, LayerNorm, the module form of scaled dot-product attention, MultiheadAttention and
# TransformerEncoderLayer, as torch.nn has them. Layers made of layers (MultiheadAttention's out_proj,
# the encoder layer's sub-modules) build their children from classes the backend names in `sublayers`,
# so that the spec still imports no backend.

MASK_DTYPES = "bool (True = masked) or floating (added to the scores)"


def spawn_generators(seed, n):
    """n independent NumPy Generators from one seed (an int, a Generator, or None: fresh randomness), one for
    each sub-layer of a layer, so that the same seed gives the same sub-layers on both backends."""
    return init.generator(seed).spawn(n)


def attach_outside_tree(owner, name, module):
    """Keep `module` as owner.<name> without making it a child: torch.nn's layer has no such child (its
    repr, state_dict and modules() stay torch's), e.g. MultiheadAttention's attention core."""
    object.__setattr__(owner, name, module)


def check_mask_dtype(layer, mask, what):
    """Raise TypeError unless `mask` is boolean or floating, as torch's masks."""
    if str(mask.dtype).replace("torch.", "") != "bool" and "float" not in str(mask.dtype):
        raise TypeError(f"{layer_name(layer)} expected {what} of dtype bool or floating, got dtype {mask.dtype}")


class EmbeddingSpec:
    """Embedding(num_embeddings, embedding_dim, padding_idx=None, *, seed=None), as torch.nn.Embedding:
    weight (num_embeddings, embedding_dim) ~ N(0, 1), the row padding_idx zero (a negative padding_idx counts
    from the end and is kept as its positive index, as torch keeps it)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, *, seed=None):
        super().__init__()
        if num_embeddings <= 0 or embedding_dim <= 0:
            raise ValueError(f"Embedding needs num_embeddings > 0 and embedding_dim > 0, "
                             f"got {num_embeddings}, {embedding_dim}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Padding_idx must be within num_embeddings: padding_idx={padding_idx}, "
                                 f"num_embeddings={num_embeddings}")
            padding_idx = padding_idx % num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        weight = init.normal_array((num_embeddings, embedding_dim), 0.0, 1.0, seed)
        if padding_idx is not None:
            weight[padding_idx] = 0.0                      # the padding token's vector starts (and stays) zero
        self._add_parameter("weight", weight)

    def check_indices(self, input):
        """Raise TypeError unless input holds int64 or int32 ids (torch.nn.Embedding refuses every other dtype:
        float, boolean, complex, and the narrow integers uint8, int8, int16), IndexRangeError (an IndexError, as
        torch's) naming the first bad index unless every index is in [0, num_embeddings)."""
        if dtype_name(input.dtype) not in ("int64", "int32"):
            raise TypeError(f"{self.short_repr()} expected int64 or int32 indices (token ids in "
                            f"[0, {self.num_embeddings})), got dtype {dtype_name(input.dtype)}: "
                            f"convert with dl.asarray(ids.astype('int64'))")
        if 0 in tuple(input.shape):
            return
        low, high = int(input.min()), int(input.max())
        if low < 0 or high >= self.num_embeddings:
            bad = low if low < 0 else high
            raise IndexRangeError(f"{self.short_repr()} got index {bad}, out of range for num_embeddings="
                             f"{self.num_embeddings} (expected 0 <= index < {self.num_embeddings})")

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    def short_repr(self):
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"


class LayerNormSpec:
    """LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True), as torch.nn.LayerNorm: the
    last len(normalized_shape) axes normalized; weight (gamma, ones) and bias (beta, zeros) of normalized_shape
    when elementwise_affine (bias only when bias=True too)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        if not shape or any(int(size) <= 0 for size in shape):
            raise ValueError(f"LayerNorm needs a normalized_shape of positive sizes, got {normalized_shape!r}")
        self.normalized_shape = tuple(int(size) for size in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self._add_parameter("weight", np.ones(self.normalized_shape) if elementwise_affine else None)   # gamma
        self._add_parameter("bias", np.zeros(self.normalized_shape) if elementwise_affine and bias else None)

    def normalized_axes(self):
        """The axes the statistics are taken over: the last len(normalized_shape)."""
        return tuple(range(-len(self.normalized_shape), 0))

    def check_input(self, x):
        """Raise ShapeError unless x ends with normalized_shape."""
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[x.ndim - k:]) != self.normalized_shape:
            expected = "(*, " + ", ".join(map(str, self.normalized_shape)) + ")"
            raise ShapeError(f"{self.short_repr()} expected input of shape {expected}, got {tuple(x.shape)}")

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")

    def short_repr(self):
        shape = self.normalized_shape[0] if len(self.normalized_shape) == 1 else self.normalized_shape
        return f"LayerNorm({shape})"


class ScaledDotProductAttentionSpec:
    """ScaledDotProductAttention(dropout_p=0.0, *, seed=None): the module form of
    scaled_dot_product_attention (torch.nn.functional's meaning), whose backward MultiheadAttention uses.
    Dropout on the attention weights (in training) draws its masks from a NumPy Generator (`seed`)."""

    def __init__(self, dropout_p=0.0, *, seed=None):
        super().__init__()
        if not 0.0 <= dropout_p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
        self.dropout_p = dropout_p
        self.generator = init.generator(seed)

    def check_inputs(self, query, key, value, attn_mask=None, is_causal=False):
        """query (..., L, E), key (..., S, E), value (..., S, Ev), one leading shape (no broadcasting); attn_mask
        bool or float, broadcastable to (..., L, S), and None when is_causal."""
        for name, x in (("query", query), ("key", key), ("value", value)):
            if x.ndim < 2:
                raise ShapeError(f"{layer_name(self)} expected {name} of shape (..., L or S, E), got {tuple(x.shape)}")
        lead, (length, features) = tuple(query.shape[:-2]), tuple(query.shape[-2:])
        source = key.shape[-2]
        if tuple(key.shape[:-2]) != lead or key.shape[-1] != features:
            raise ShapeError(f"{layer_name(self)} expected key of shape {(*lead, 'S', features)} (the query's "
                             f"leading axes and E = {features}), got {tuple(key.shape)}")
        if tuple(value.shape[:-1]) != (*lead, source):
            raise ShapeError(f"{layer_name(self)} expected value of shape {(*lead, source, 'Ev')} (the key's "
                             f"leading axes and S = {source}), got {tuple(value.shape)}")
        if attn_mask is None:
            return
        if is_causal:
            raise ValueError(f"{layer_name(self)}: attn_mask must be None when is_causal=True (the causal mask "
                             "is made from the shapes), as torch")
        check_mask_dtype(self, attn_mask, "attn_mask")
        if "float" in str(attn_mask.dtype) and attn_mask.dtype != query.dtype:
            raise TypeError(f"{layer_name(self)} expected a float attn_mask of the query's dtype "
                            f"{dtype_name(query.dtype)}, got {dtype_name(attn_mask.dtype)} (as torch)")
        target = (*lead, length, source)
        given = tuple(attn_mask.shape)
        if len(given) > len(target) or any(g not in (1, t) for g, t in zip(given[::-1], target[::-1])):
            raise ShapeError(f"{layer_name(self)} expected attn_mask broadcastable to (..., L, S) = {target}, "
                             f"got {given}")

    def extra_repr(self):
        return f"dropout_p={self.dropout_p}"


class OutProjectionSpec(LinearSpec):
    """MultiheadAttention's out_proj: a Linear(E, E) whose bias starts at zero, as torch's
    MultiheadAttention._reset_parameters leaves it (the weight keeps Linear's default draw). torch names
    this class NonDynamicallyQuantizableLinear, and reprs print that name."""

    def __init__(self, in_features, out_features, bias=True, *, seed=None):
        super().__init__(in_features, out_features, bias, seed=seed)
        if bias:
            self._add_parameter("bias", np.zeros(out_features))


class MultiheadAttentionSpec:
    """MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, *, batch_first=True, seed=None), as
    torch.nn.MultiheadAttention with its parameters, state_dict keys and init: in_proj_weight (3E, E)
    ~ xavier_uniform (W_q, W_k, W_v stacked), in_proj_bias (3E,) zeros, out_proj a Linear(E, E) with torch's
    default weight and a zero bias. head_dim = E / num_heads.

    One deliberate difference: batch_first=True by default (torch: False), like the recurrent layers, and
    keyword-only (torch's 5th positional argument is add_bias_kv). Not supported: add_bias_kv,
    add_zero_attn, kdim/vdim other than embed_dim, unbatched 2-D input.
    The backend names its Linear and attention classes in `sublayers`."""

    sublayers = {}                  # "out_proj": the Linear class, "attention": the ScaledDotProductAttention class

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, *, batch_first=True, seed=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention needs embed_dim > 0 and num_heads > 0, got embed_dim={embed_dim} "
                             f"and num_heads={num_heads}")
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout}")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim, self.batch_first = embed_dim // num_heads, batch_first
        weights, masks = spawn_generators(seed, 2)
        self._add_parameter("in_proj_weight", init.xavier_uniform_array((3 * embed_dim, embed_dim), seed=weights))
        self._add_parameter("in_proj_bias", np.zeros(3 * embed_dim) if bias else None)
        self.out_proj = self.sublayers["out_proj"](embed_dim, embed_dim, bias=bias, seed=weights)
        self.generator = masks                             # the attention dropout's masks
        attach_outside_tree(self, "attention", self.sublayers["attention"](dropout, seed=masks))

    def check_inputs(self, query, key, value, key_padding_mask=None, attn_mask=None):
        """query (N, L, E), key and value (N, S, E) (batch_first=False: (L, N, E), (S, N, E)); key_padding_mask
        (N, S) and attn_mask (L, S) or (N * num_heads, L, S), each bool (True = may not attend) or float.
        Returns (N, L, S)."""
        for name, x in (("query", query), ("key", key), ("value", value)):
            check_sequence(self, x, self.embed_dim, self.batch_first, what=name)
        batch_axis, time_axis = (0, 1) if self.batch_first else (1, 0)
        batch_size, length, source = query.shape[batch_axis], query.shape[time_axis], key.shape[time_axis]
        layout = "(N, S, E)" if self.batch_first else "(S, N, E)"
        for name, x in (("key", key), ("value", value)):
            expected = (batch_size, source) if self.batch_first else (source, batch_size)
            check_exact_shape(self, x, (*expected, self.embed_dim), what=name,
                              meaning=f"{layout}: the query's batch size N, the key's length S")
        if key_padding_mask is not None:
            check_mask_dtype(self, key_padding_mask, "key_padding_mask")
            check_exact_shape(self, key_padding_mask, (batch_size, source), what="key_padding_mask", meaning="(N, S)")
        if attn_mask is not None:
            check_mask_dtype(self, attn_mask, "attn_mask")
            expected = (length, source) if attn_mask.ndim == 2 else (batch_size * self.num_heads, length, source)
            check_exact_shape(self, attn_mask, expected, what="attn_mask",
                              meaning="(L, S)" if attn_mask.ndim == 2 else "(N * num_heads, L, S)")
        return batch_size, length, source

    def check_batch(self, batch_size, key_padding_mask, need_weights):
        """Raise ShapeError for an empty batch (N = 0) with a key_padding_mask and need_weights=False, which
        torch.nn.MultiheadAttention cannot compute in training either (its merged mask cannot be reshaped)."""
        if batch_size == 0 and key_padding_mask is not None and not need_weights:
            raise ShapeError(f"{layer_name(self)} got an empty batch (N = 0) with a key_padding_mask and "
                             f"need_weights=False, which torch's training path cannot compute either: skip the empty "
                             f"batch")

    def extra_repr(self):
        return ""                                          # torch prints only the out_proj child

    def short_repr(self):
        return f"MultiheadAttention({self.embed_dim}, num_heads={self.num_heads})"


class TransformerEncoderLayerSpec:
    """TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu',
    layer_norm_eps=1e-5, batch_first=True, norm_first=False, bias=True, *, seed=None), as
    torch.nn.TransformerEncoderLayer, with its sub-modules in torch's order and names: self_attn
    (MultiheadAttention), linear1, dropout, linear2, norm1, norm2, dropout1, dropout2, so that the state_dict
    loads into torch's. activation: 'relu' or 'gelu' (by name: the NumPy reference needs its derivative).

    One deliberate difference: batch_first=True by default (torch: False), like the recurrent layers.
    The backend names its layer classes in `sublayers`."""

    sublayers = {}      # "MultiheadAttention", "Linear", "Dropout", "LayerNorm" and the activations "relu", "gelu"

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=True, norm_first=False, bias=True, *, seed=None):
        super().__init__()
        if activation not in ("relu", "gelu"):
            raise ValueError(f"activation should be relu/gelu, not {activation!r}")
        self.d_model, self.nhead, self.dim_feedforward = d_model, nhead, dim_feedforward
        self.activation_name, self.batch_first, self.norm_first = activation, batch_first, norm_first
        seeds = spawn_generators(seed, 6)
        layers = self.sublayers
        self.self_attn = layers["MultiheadAttention"](d_model, nhead, dropout=dropout, bias=bias,
                                                      batch_first=batch_first, seed=seeds[0])
        self.linear1 = layers["Linear"](d_model, dim_feedforward, bias=bias, seed=seeds[1])
        self.dropout = layers["Dropout"](dropout, seed=seeds[2])
        self.linear2 = layers["Linear"](dim_feedforward, d_model, bias=bias, seed=seeds[3])
        self.norm1 = layers["LayerNorm"](d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = layers["LayerNorm"](d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = layers["Dropout"](dropout, seed=seeds[4])
        self.dropout2 = layers["Dropout"](dropout, seed=seeds[5])
        attach_outside_tree(self, "activation", layers[activation]())   # torch keeps F.relu: no child either

    def short_repr(self):
        return f"TransformerEncoderLayer({self.d_model}, nhead={self.nhead})"


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
