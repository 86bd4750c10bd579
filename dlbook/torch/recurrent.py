"""Recurrent layers of the torch backend: RNN, LSTM, GRU, and LastTimeStep to use them in a Sequential.

The equations are the NumPy reference's (dlbook/numpy/recurrent.py) and torch.nn's. The recurrence
runs in torch's own C++ kernels, the functions torch.nn.RNN/LSTM/GRU call (torch.rnn_tanh,
torch.rnn_relu, torch.lstm, torch.gru), and autograd does backpropagation through time. A Python loop
over the steps with torch ops reads closer to the equations but costs ~4x torch.nn.LSTM's time on a
CPU (T = 50), so it is left to the NumPy reference, where every step is written out.

Same names, arguments, parameters and state_dict keys as the NumPy reference and torch.nn, except that
batch_first is True by default (torch: False).
"""

import warnings

import torch

from ..core.errors import (
    check_array,
    check_backward_ready,
    check_exact_shape,
    check_finite,
    check_floating,
    check_ndim,
    check_sequence,
    check_time_steps,
)
from ..core.specs import STATE_AXES, GRUSpec, LastTimeStepSpec, LSTMSpec, RNNSpec
from .module import Module
from .tensor import asarray, is_finite


class _Recurrent(Module):
    """What RNN, LSTM and GRU share: input checks, the call of torch's recurrent kernel, and a backward
    that runs autograd over this layer's graph. Sizes, parameters and states are RecurrentSpec's."""

    def _initial_states(self, hx, x):
        """[h_0] (LSTM: [h_0, c_0]), each (num_layers, N, hidden_size); zeros when hx is None. Made to
        require grad (unless they carry a graph already), so that backward gives dL/dhx."""
        batch_size = x.shape[0 if self.batch_first else 1]
        expected = (self.num_layers, batch_size, self.hidden_size)
        if hx is None:
            states = [x.new_zeros(expected) for _ in self.state_names]
        else:
            states = self._unpack_hx(hx)
            for name, state in zip(self.state_names, states):
                check_array(self, state, torch.Tensor, "a torch.Tensor", what=name)
                check_exact_shape(self, state, expected, what=name, meaning=STATE_AXES)
            states = [asarray(state, dtype=x.dtype) for state in states]
        if torch.is_grad_enabled():
            states = [s if s.requires_grad else s.detach().requires_grad_() for s in states]
        return states

    def _recurrence(self, x, states, weights):
        """(out, [final states]) from torch's kernel."""
        raise NotImplementedError

    def forward(self, input, hx=None):
        """input (N, T, D) (batch_first=False: (T, N, D)); hx (num_layers, N, H) or None (zeros).
        Returns (out, h_n): out (N, T, H), the last layer's h_t at every step; h_n (num_layers, N, H)."""
        check_sequence(self, input, self.input_size, self.batch_first)
        check_floating(self, input, dtype=self.weight_ih_l0.dtype)
        check_finite(self, input, is_finite(input))
        x = self._track(input)
        self._initial = self._initial_states(hx, x)
        weights = [getattr(self, name) for name in self.flat_weight_names]
        with warnings.catch_warnings():
            # On CUDA, cuDNN copies the weights into one buffer at each call (torch.nn.RNN keeps them there,
            # flatten_parameters) and warns about it; for the book's small layers that copy is cheap.
            warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous")
            out, final_states = self._recurrence(x, self._initial, weights)
        self._output, self._final = out, final_states
        self.h_n = final_states[0]
        if len(final_states) > 1:
            self.c_n = final_states[1]
        return out, self._pack_states(final_states)

    def _backward(self, grad_out, grad_final_states):
        """Autograd from out and the final states (those with a gradient given) back to the input, hx and
        the parameters."""
        check_backward_ready(self, self._graph_state())
        outputs, grads = [], []
        for name, y, dy in zip(("grad_out", "grad_h_n", "grad_c_n"), (self._output, *self._final),
                               (grad_out, *grad_final_states)):
            if dy is not None:
                check_exact_shape(self, dy, tuple(y.shape), what=name,
                                  meaning="" if name == "grad_out" else STATE_AXES)
                outputs.append(y)
                grads.append(asarray(dy, dtype=y.dtype))
        params = [p for p in self.parameters() if p.requires_grad]
        inputs = [self._input, *self._initial, *params]
        if outputs:
            found = torch.autograd.grad(outputs, inputs, grads, allow_unused=True)
        else:
            found = [None] * len(inputs)
        found = [torch.zeros_like(x) if g is None else g for x, g in zip(inputs, found)]
        n_states = len(self._initial)
        for param, grad in zip(params, found[1 + n_states:]):
            if param.grad is None:
                param.grad = grad
            else:
                param.grad.add_(grad)
        self._output = None                                   # the graph is freed: one backward per forward
        self.grad_hx = self._pack_states(found[1:1 + n_states])
        return found[0]


class RNN(RNNSpec, _Recurrent):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)  (nonlinearity='relu': max(0, .)).

    x (N, T, D) -> (out (N, T, H), h_n (num_layers, N, H)); h_n also kept as .h_n. Parameters as
    torch.nn.RNN. One deliberate difference: batch_first=True by default (torch: False).
    Not supported: dropout, bidirectional, unbatched 2-D input."""

    def _recurrence(self, x, states, weights):
        kernel = torch.rnn_tanh if self.nonlinearity == "tanh" else torch.rnn_relu
        out, h_n = kernel(x, states[0], weights, self.bias, self.num_layers, 0.0, self.training, False,
                          self.batch_first)
        return out, [h_n]


class LSTM(LSTMSpec, _Recurrent):
    """LSTM, torch's equations and gate order i, f, g, o:
    [i, f, g, o] = [sigma, sigma, tanh, sigma](x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),
    c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t).

    x (N, T, D) -> (out (N, T, H), (h_n, c_n)), each (num_layers, N, H), also kept as .h_n and .c_n;
    hx = (h_0, c_0). Parameters as torch.nn.LSTM. One deliberate difference: batch_first=True by
    default (torch: False). Not supported: dropout, bidirectional, proj_size, unbatched 2-D input."""

    def _recurrence(self, x, states, weights):
        out, h_n, c_n = torch.lstm(x, states, weights, self.bias, self.num_layers, 0.0, self.training, False,
                                   self.batch_first)
        return out, [h_n, c_n]


class GRU(GRUSpec, _Recurrent):
    """GRU, torch's equations and gate order r, z, n:
    r, z = sigma(x_t W_i[rz]^T + b_i[rz] + h_{t-1} W_h[rz]^T + b_h[rz]),
    n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}.

    x (N, T, D) -> (out (N, T, H), h_n (num_layers, N, H)); h_n also kept as .h_n. Parameters as
    torch.nn.GRU. One deliberate difference: batch_first=True by default (torch: False).
    Not supported: dropout, bidirectional, unbatched 2-D input."""

    def _recurrence(self, x, states, weights):
        out, h_n = torch.gru(x, states[0], weights, self.bias, self.num_layers, 0.0, self.training, False,
                             self.batch_first)
        return out, [h_n]


class LastTimeStep(LastTimeStepSpec, Module):
    """The last step of a recurrent layer's output, so that RNN, LSTM or GRU fits in a Sequential:
    Sequential(RNN(1, 32, seed=0), LastTimeStep(), Linear(32, 1, seed=1)).

    forward((out, h_n)) (or forward(out)): out (N, T, H) -> out[:, -1] (N, H) (batch_first=False: out[-1]);
    backward(dL/dy) returns dL/d(out) (N, T, H), zeros except at the last step."""

    def forward(self, input):
        out = input[0] if isinstance(input, tuple) else input
        check_ndim(self, out, (3,), layout="(N, T, H)" if self.batch_first else "(T, N, H)")
        check_time_steps(self, out, self.batch_first)
        out = self._track(out)
        return self._keep(out[:, -1] if self.batch_first else out[-1])
