"""How layers hold and describe their configuration, shared by both backends: argument checks and
normalization (windows, recurrent sizes, hidden-state conventions), torch-like reprs (extra_repr), the
short names error messages use (short_repr, e.g. `Linear(64, 32)`), and the settable learning rate of
optimizers. Mixins only: they keep and read the layer's settings and compute nothing, so each
backend's layers stay independent implementations of the maths."""

from .errors import ShapeError, layer_name
from .windows import check_pooling_padding, compact, pair

STATE_AXES = "(num_layers, N, hidden_size)"


class LinearDescription:
    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    def short_repr(self):
        return f"Linear({self.in_features}, {self.out_features})"


class BatchNormDescription:
    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")

    def short_repr(self):
        return f"{type(self).__name__}({self.num_features})"


class ConvDescription:
    def _set_window(self, kernel_size, stride, padding):
        """kernel_size, stride, padding as (height, width) pairs, as torch.nn.Conv2d keeps them."""
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = pair(padding, "padding", minimum=0)

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


class PoolDescription:
    def _set_window(self, kernel_size, stride, padding):
        """The arguments as given (torch keeps them so: stride defaults to kernel_size) and as pairs."""
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self._kernel, self._stride = pair(kernel_size, "kernel_size"), pair(self.stride, "stride")
        self._padding = pair(padding, "padding", minimum=0)
        check_pooling_padding(self._kernel, self._padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def short_repr(self):
        text = f"{type(self).__name__}(kernel_size={compact(self.kernel_size)}"
        if self._stride != self._kernel:
            text += f", stride={compact(self.stride)}"
        if self._padding != (0, 0):
            text += f", padding={compact(self.padding)}"
        return text + ")"


class RecurrentDescription:
    """RNN and GRU: one hidden state hx; LSTMStates changes that for the LSTM."""

    gates = 1                       # G: W_ih is (G H, D)
    state_names = ("hx",)           # the initial states hx holds

    def _set_sizes(self, input_size, hidden_size, num_layers, bias, batch_first):
        if hidden_size <= 0 or num_layers <= 0 or input_size < 0:
            raise ValueError(f"{type(self).__name__} needs hidden_size > 0, num_layers > 0 and input_size >= 0, "
                             f"got {input_size}, {hidden_size}, {num_layers}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first

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
        text += f", batch_first={self.batch_first}"
        return text + (", nonlinearity='relu'" if getattr(self, "nonlinearity", "tanh") == "relu" else "")

    def short_repr(self):
        layers = f", num_layers={self.num_layers}" if self.num_layers != 1 else ""
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}{layers})"


def check_nonlinearity(nonlinearity):
    """RNN's nonlinearity: 'tanh' or 'relu', with torch's message otherwise."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")


class LSTMStates:
    """The LSTM's two states: hx = (h_0, c_0), forward returns (out, (h_n, c_n))."""

    gates = 4
    state_names = ("h_0", "c_0")

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


class LastTimeStepDescription:
    def extra_repr(self):
        return f"batch_first={self.batch_first}"

    def short_repr(self):
        return "LastTimeStep()"


REDUCTIONS = ("mean", "sum", "none")


class LossDescription:
    def _set_reduction(self, reduction):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class SettableLR:
    """`optimizer.lr`: the learning rate eta of the first param group; setting it sets every group's."""

    @property
    def lr(self):
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        for group in self.param_groups:
            group["lr"] = value
