"""Recurrent layers of the NumPy reference: RNN, LSTM, GRU, and LastTimeStep to use them in a Sequential.

The chapter's notation, for one layer, with one column per sequence of the batch:

    x_t (D, N): the inputs at step t;  h_t (H, N): the hidden states;  h_0 = hx (zeros when not given)
    RNN:   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)                     (or relu)
    LSTM:  [i; f; g; o] = [sigma; sigma; tanh; sigma](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
           c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
    GRU:   [r; z] = sigma(W_i[rz] x_t + b_i[rz] + W_h[rz] h_{t-1} + b_h[rz])
           n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn)),   h_t = (1 - z) * n + z * h_{t-1}

The gates are stacked in torch's order (LSTM i, f, g, o; GRU r, z, n): W_ih is (G H, D), W_hh (G H, H).
A stack of layers feeds the outputs h_1 .. h_T of layer l to layer l + 1 as its inputs x_1 .. x_T.
The layers take and return torch's layout, x (N, T, D) -> out (N, T, H); inside, each step's states
are (H, N) matrices as above, so that every gate of a step is one contiguous block of rows.

Backpropagation through time (BPTT): delta_t = dL/d(pre-activation at step t). dL/dh_t has two sources,
the output at step t (grad_out[t]) and the next step (W_hh^T delta_{t+1}), so the loop runs from t = T
down to 1. Each weight serves every step, so its gradient sums over the steps:
dL/dW_ih = sum_t delta_t x_t^T, dL/dW_hh = sum_t delta_t h_{t-1}^T, dL/db = sum_t (delta_t summed over the batch).

What makes this as fast as torch on a CPU (float32, the default): W_ih x_t + b for every step is one
matrix product before the loop; each call allocates its (T, G H, N) buffers once and the loop writes
into them (out=...); whatever does not depend on the recursion (the derivatives of the gates) is
computed for all steps at once, outside the loop; the weight gradients are one matrix product over all
steps after the loop. The layouts, and the LSTM's four gates in one tanh, are in kernels.py.
"""

import numpy as np

from ..core.errors import (
    check_array,
    check_exact_shape,
    check_finite,
    check_floating,
    check_ndim,
    check_sequence,
    check_time_steps,
)
from ..core.specs import STATE_AXES, GRUSpec, LastTimeStepSpec, LSTMSpec, RNNSpec
from .kernels import LSTMGates, columns_of, from_columns, lstm_local_derivatives, side_by_side, sigmoid_, to_columns
from .module import Module
from .tensor import is_finite


class _Recurrent(Module):
    """What RNN, LSTM and GRU share: input checks, the stack of layers, batch_first. A subclass writes
    one layer, on (T, K, N) arrays: layer_forward, layer_backward. Sizes, parameters and the layout of
    the states are RecurrentSpec's."""

    def _layer_parameters(self, layer):
        """(W_ih, W_hh, b_ih, b_hh) of one layer: arrays (the biases None without bias)."""
        names = [f"{kind}_l{layer}" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        return tuple(getattr(self, name).data if name in self._parameters else None for name in names)

    def _accumulate(self, layer, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh):
        """Add the gradients of one layer's parameters into their .grad."""
        getattr(self, f"weight_ih_l{layer}").accumulate_grad(grad_w_ih)
        getattr(self, f"weight_hh_l{layer}").accumulate_grad(grad_w_hh)
        if self.bias:
            getattr(self, f"bias_ih_l{layer}").accumulate_grad(grad_b_ih)
            getattr(self, f"bias_hh_l{layer}").accumulate_grad(grad_b_hh)

    # --- forward ------------------------------------------------------------------------------

    def _initial_states(self, hx, batch_size, dtype):
        """[h_0] (LSTM: [h_0, c_0]), each (num_layers, N, hidden_size); zeros when hx is None."""
        expected = (self.num_layers, batch_size, self.hidden_size)
        if hx is None:
            return [np.zeros(expected, dtype) for _ in self.state_names]
        states = self._unpack_hx(hx)
        for name, state in zip(self.state_names, states):
            check_array(self, state, np.ndarray, "a NumPy array", what=name)
            check_exact_shape(self, state, expected, what=name, meaning=STATE_AXES)
        return [np.asarray(state, dtype=dtype) for state in states]

    def forward(self, input, hx=None):
        """input (N, T, D) (batch_first=False: (T, N, D)); hx (num_layers, N, H) or None (zeros).
        Returns (out, h_n): out (N, T, H), the last layer's h_t at every step; h_n (num_layers, N, H)."""
        check_sequence(self, input, self.input_size, self.batch_first)
        check_floating(self, input, dtype=self.weight_ih_l0.dtype)
        check_finite(self, input, is_finite(input))
        dtype = np.result_type(input.dtype, self.weight_ih_l0.dtype)
        batch_size = input.shape[0 if self.batch_first else 1]
        initial_states = self._initial_states(hx, batch_size, dtype)
        x = np.ascontiguousarray(to_columns(input, self.batch_first), dtype=dtype)     # (T, D, N)
        self._caches, final_states = [], []
        for layer in range(self.num_layers):
            x, layer_final_states, cache = self.layer_forward(layer, x, [s[layer].T for s in initial_states])
            self._caches.append(cache)
            final_states.append(layer_final_states)
        self._input_shape, self._dtype = input.shape, dtype
        states = [np.stack([s.T for s in per_state]) for per_state in zip(*final_states)]   # (num_layers, N, H)
        self.h_n = states[0]
        if len(states) > 1:
            self.c_n = states[1]
        return from_columns(x, self.batch_first), self._pack_states(states)

    # --- backward -----------------------------------------------------------------------------

    def _backward(self, grad_out, grad_final_states):
        """dL/d(input) from dL/d(out) and dL/d(final states) (any may be None: zero); fills .grad
        and grad_hx."""
        caches, self._caches = self._caches, None                      # one backward per forward
        out_shape = self._input_shape[:2] + (self.hidden_size,)
        batch_size, steps = out_shape[:2] if self.batch_first else reversed(out_shape[:2])
        state_shape = (self.num_layers, batch_size, self.hidden_size)
        if grad_out is None:
            grad = np.zeros((steps, self.hidden_size, batch_size), self._dtype)
        else:
            check_exact_shape(self, grad_out, out_shape, what="grad_out")
            grad = np.array(to_columns(grad_out, self.batch_first), dtype=self._dtype, order="C")   # (T, H, N)
        for name, state in zip(("grad_h_n", "grad_c_n"), grad_final_states):
            if state is not None:
                check_exact_shape(self, state, state_shape, what=name, meaning=STATE_AXES)
        grad_initial = []
        for layer in reversed(range(self.num_layers)):
            layer_grads = [None if g is None else np.asarray(g[layer].T, self._dtype) for g in grad_final_states]
            grad, layer_grad_initial = self.layer_backward(layer, caches[layer], grad, layer_grads)
            grad_initial.append(layer_grad_initial)
        states = [np.stack([s.T for s in per_state[::-1]]) for per_state in zip(*grad_initial)]
        self.grad_hx = self._pack_states(states)                        # dL/dhx, each (num_layers, N, H)
        return from_columns(grad, self.batch_first)


class RNN(RNNSpec, _Recurrent):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)  (nonlinearity='relu': max(0, .)).

    x (N, T, D) -> out (N, T, H): h_t of the last layer at every step; h_n (num_layers, N, H): the
    final state of every layer, also kept as .h_n. forward(x, hx=None) returns (out, h_n), as torch.
    Parameters as torch.nn.RNN: weight_ih_l0 (H, D), weight_hh_l0 (H, H), bias_ih_l0, bias_hh_l0 (H,);
    _l1, ... for num_layers > 1 (weight_ih_l1 is (H, H)). Init U(-1/sqrt(H), 1/sqrt(H)), from `seed`.

    One deliberate difference from torch.nn.RNN: batch_first=True by default (torch: False), so that
    x is (N, T, D) like every other dlbook input. batch_first=False takes (T, N, D), as torch.
    Not supported: dropout, bidirectional, unbatched 2-D input.
    """

    def layer_forward(self, layer, x, states):
        """x (T, D, N), states [h_0 (H, N)] -> outputs h_1 .. h_T (T, H, N), [h_T], what backward needs."""
        W_ih, W_hh, b_ih, b_hh = self._layer_parameters(layer)
        T, _, N = x.shape
        hs = np.empty((T + 1, self.hidden_size, N), x.dtype)      # h_0 .. h_T
        hs[0] = states[0]
        np.matmul(W_ih, x, out=hs[1:])                            # W_ih x_t for every step at once
        if b_ih is not None:
            hs[1:] += columns_of(b_ih + b_hh, N)                  #   + b_ih + b_hh
        from_h = np.empty_like(hs[0])
        activation = np.tanh if self.nonlinearity == "tanh" else (lambda a, out: np.maximum(a, 0, out=out))
        for t in range(1, T + 1):
            np.matmul(W_hh, hs[t - 1], out=from_h)
            hs[t] += from_h                                       # a_t = W_ih x_t + b + W_hh h_{t-1}
            activation(hs[t], out=hs[t])                          # h_t = tanh(a_t)
        return hs[1:], [hs[T]], {"x": x, "hs": hs}

    def layer_backward(self, layer, cache, grad_hs, grad_final_states):
        """grad_hs (T, H, N) = dL/dh_t from the outputs (changed in place). Returns dL/dx (T, D, N), [dL/dh_0]."""
        W_ih, W_hh, _, _ = self._layer_parameters(layer)
        x, hs = cache["x"], cache["hs"]
        T = grad_hs.shape[0]
        if grad_final_states[0] is not None:
            grad_hs[T - 1] += grad_final_states[0]                # h_T is also the output h_n
        if self.nonlinearity == "tanh":
            slope = 1 - hs[1:] * hs[1:]                           # tanh'(a_t) = 1 - h_t^2, every step at once
        else:
            slope = (hs[1:] > 0).astype(hs.dtype)                 # relu'(a_t) = [h_t > 0]
        deltas = np.empty_like(grad_hs)
        for t in range(T - 1, -1, -1):                            # step t + 1 of the chapter (h_0 is hs[0])
            np.multiply(grad_hs[t], slope[t], out=deltas[t])      # delta_t = dL/dh_t * f'(a_t)
            if t > 0:
                grad_hs[t - 1] += W_hh.T @ deltas[t]              # dL/dh_{t-1} += W_hh^T delta_t
        grad_h0 = W_hh.T @ deltas[0]
        delta = side_by_side(deltas)                              # (H, T N)
        self._accumulate(layer,
                         delta @ side_by_side(x).T,               # dL/dW_ih = sum_t delta_t x_t^T
                         delta @ side_by_side(hs[:-1]).T,         # dL/dW_hh = sum_t delta_t h_{t-1}^T
                         delta.sum(axis=1), delta.sum(axis=1))    # dL/db = sum of delta over steps and batch
        return np.matmul(W_ih.T, deltas), [grad_h0]               # dL/dx_t = W_ih^T delta_t


class LSTM(LSTMSpec, _Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), torch's equations and gate order:

        [i; f; g; o] = [sigma; sigma; tanh; sigma](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        c_t = f * c_{t-1} + i * g,    h_t = o * tanh(c_t)

    x (N, T, D) -> out (N, T, H); forward(x, hx=None) returns (out, (h_n, c_n)), as torch, with
    hx = (h_0, c_0), each (num_layers, N, H) (zeros when None); the final states are also kept as
    .h_n and .c_n. Parameters as torch.nn.LSTM: weight_ih_l0 (4H, D), weight_hh_l0 (4H, H),
    bias_ih_l0, bias_hh_l0 (4H,), rows in the gate order i, f, g, o; _l1, ... for num_layers > 1.

    One deliberate difference from torch.nn.LSTM: batch_first=True by default (torch: False).
    Not supported: dropout, bidirectional, proj_size, unbatched 2-D input.
    """

    def layer_forward(self, layer, x, states):
        """x (T, D, N), states [h_0, c_0] (H, N) -> outputs (T, H, N), [h_T, c_T], what backward needs."""
        W_ih, W_hh, b_ih, b_hh = self._layer_parameters(layer)
        T, _, N = x.shape
        H, dtype = self.hidden_size, x.dtype
        activation = LSTMGates(H, N, dtype)                       # all four gates in one tanh, from s z
        scale = activation.scale                                  # s: 1/2 on the rows of i, f, o; 1 on g
        gates = np.matmul(W_ih * scale, x)                        # s W_ih x_t for every step: (T, 4H, N)
        if b_ih is not None:
            gates += columns_of((b_ih + b_hh) * scale[:, 0], N)   #   + s (b_ih + b_hh)
        W_hh_scaled = W_hh * scale
        hs = np.empty((T + 1, H, N), dtype)                       # h_0 .. h_T
        cs = np.empty((T + 1, H, N), dtype)                       # c_0 .. c_T
        tanh_cs = np.empty((T, H, N), dtype)                      # tanh(c_1) .. tanh(c_T)
        hs[0], cs[0] = states
        from_h = np.empty((4 * H, N), dtype)
        input_times_cell = np.empty((H, N), dtype)
        for t in range(T):                                        # step t + 1 of the chapter
            gate = gates[t]
            np.matmul(W_hh_scaled, hs[t], out=from_h)
            gate += from_h                                        # s z_t, z_t = W_ih x_t + b + W_hh h_{t-1}
            activation.activate_(gate)                            # i, f, o = sigma(z);  g = tanh(z)
            i, f, g, o = gate[:H], gate[H:2 * H], gate[2 * H:3 * H], gate[3 * H:]
            np.multiply(f, cs[t], out=cs[t + 1])
            np.multiply(i, g, out=input_times_cell)
            cs[t + 1] += input_times_cell                         # c_t = f c_{t-1} + i g
            np.tanh(cs[t + 1], out=tanh_cs[t])
            np.multiply(o, tanh_cs[t], out=hs[t + 1])             # h_t = o tanh(c_t)
        cache = {"x": x, "gates": gates, "hs": hs, "cs": cs, "tanh_cs": tanh_cs}
        return hs[1:], [hs[T], cs[T]], cache

    def layer_backward(self, layer, cache, grad_hs, grad_final_states):
        """grad_hs (T, H, N) = dL/dh_t from the outputs (changed in place).
        Returns dL/dx (T, D, N), [dL/dh_0, dL/dc_0]."""
        W_ih, W_hh, _, _ = self._layer_parameters(layer)
        x, gates, hs, cs, tanh_cs = cache["x"], cache["gates"], cache["hs"], cache["cs"], cache["tanh_cs"]
        T, H, N = grad_hs.shape
        grad_h_n, grad_c_n = grad_final_states
        if grad_h_n is not None:
            grad_hs[T - 1] += grad_h_n                            # h_T is also the output h_n
        f = gates[:, H:2 * H]
        # Every step at once, what does not depend on the recursion. With dc_t = dL/dc_t, dh_t = dL/dh_t:
        #   delta_t = [dc_t * g i (1 - i);  dc_t * c_{t-1} f (1 - f);  dc_t * i (1 - g^2);  dh_t * tanh(c_t) o (1 - o)]
        #   dc_t = dh_t * o (1 - tanh^2(c_t)) + dc_{t+1} * f_{t+1}
        local, cell_slope = lstm_local_derivatives(gates, cs[:-1], tanh_cs)
        deltas = np.empty_like(gates)
        local_ifg, deltas_ifg = local[:, :3 * H].reshape(T, 3, H, N), deltas[:, :3 * H].reshape(T, 3, H, N)
        grad_c = np.zeros((H, N), gates.dtype) if grad_c_n is None else np.array(grad_c_n, gates.dtype)
        through_h, back = np.empty((H, N), gates.dtype), np.empty((H, N), gates.dtype)
        for t in range(T - 1, -1, -1):                            # step t + 1 of the chapter
            np.multiply(grad_hs[t], cell_slope[t], out=through_h)
            grad_c += through_h                                   # dc_t = dh_t o tanh'(c_t) + dc_{t+1} f_{t+1}
            np.multiply(local_ifg[t], grad_c, out=deltas_ifg[t])             # delta_t for i, f, g
            np.multiply(local[t, 3 * H:], grad_hs[t], out=deltas[t, 3 * H:])  # delta_t for o
            grad_c *= f[t]                                        # f_t dc_t flows to c_{t-1}
            np.matmul(W_hh.T, deltas[t], out=back)
            if t > 0:
                grad_hs[t - 1] += back                            # dL/dh_{t-1} += W_hh^T delta_t
        delta = side_by_side(deltas)                              # (4H, T N)
        grad_bias = delta.sum(axis=1)
        self._accumulate(layer,
                         delta @ side_by_side(x).T,               # dL/dW_ih = sum_t delta_t x_t^T
                         delta @ side_by_side(hs[:-1]).T,         # dL/dW_hh = sum_t delta_t h_{t-1}^T
                         grad_bias, grad_bias)                    # dL/db = sum of delta over steps and batch
        return np.matmul(W_ih.T, deltas), [back, grad_c]          # dL/dx_t = W_ih^T delta_t; dL/dh_0, dL/dc_0


class GRU(GRUSpec, _Recurrent):
    """Gated recurrent unit (Cho et al., 2014), torch's equations and gate order r, z, n:

        r = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr),   z = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
        n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn)),   h_t = (1 - z) * n + z * h_{t-1}

    x (N, T, D) -> out (N, T, H); forward(x, hx=None) returns (out, h_n), as torch; h_n also kept as
    .h_n. Parameters as torch.nn.GRU: weight_ih_l0 (3H, D), weight_hh_l0 (3H, H), bias_ih_l0,
    bias_hh_l0 (3H,), rows in the order r, z, n; _l1, ... for num_layers > 1.

    One deliberate difference from torch.nn.GRU: batch_first=True by default (torch: False).
    Not supported: dropout, bidirectional, unbatched 2-D input.
    """

    def layer_forward(self, layer, x, states):
        """x (T, D, N), states [h_0 (H, N)] -> outputs h_1 .. h_T (T, H, N), [h_T], what backward needs."""
        W_ih, W_hh, b_ih, b_hh = self._layer_parameters(layer)
        T, _, N = x.shape
        H, dtype = self.hidden_size, x.dtype
        from_x = np.matmul(W_ih, x)                               # W_ih x_t for every step: (T, 3H, N)
        if b_ih is not None:
            from_x += columns_of(b_ih, N)                         #   + b_ih
            bias_h = columns_of(b_hh, N)
        from_h = np.empty((T, 3 * H, N), dtype)                   # W_hh h_{t-1} + b_hh, kept for backward
        reset_update = np.empty((T, 2 * H, N), dtype)             # [r; z] of every step
        candidates = np.empty((T, H, N), dtype)                   # n of every step
        hs = np.empty((T + 1, H, N), dtype)                       # h_0 .. h_T
        hs[0] = states[0]
        for t in range(T):                                        # step t + 1 of the chapter
            np.matmul(W_hh, hs[t], out=from_h[t])
            if b_hh is not None:
                from_h[t] += bias_h
            rz = reset_update[t]
            np.add(from_x[t, :2 * H], from_h[t, :2 * H], out=rz)
            sigmoid_(rz)                                          # r, z = sigma(...)
            r, z = rz[:H], rz[H:]
            n = candidates[t]
            np.multiply(r, from_h[t, 2 * H:], out=n)              # r * (W_hn h_{t-1} + b_hn)
            n += from_x[t, 2 * H:]                                #   + W_in x_t + b_in
            np.tanh(n, out=n)                                     # n = tanh(...)
            np.subtract(hs[t], n, out=hs[t + 1])
            hs[t + 1] *= z
            hs[t + 1] += n                                        # h_t = n + z (h_{t-1} - n)
        cache = {"x": x, "from_h": from_h, "reset_update": reset_update, "candidates": candidates, "hs": hs}
        return hs[1:], [hs[T]], cache

    def layer_backward(self, layer, cache, grad_hs, grad_final_states):
        """grad_hs (T, H, N) = dL/dh_t from the outputs (changed in place). Returns dL/dx (T, D, N), [dL/dh_0]."""
        W_ih, W_hh, _, _ = self._layer_parameters(layer)
        x, from_h, hs, n = cache["x"], cache["from_h"], cache["hs"], cache["candidates"]
        T, H, N = grad_hs.shape
        r, z = cache["reset_update"][:, :H], cache["reset_update"][:, H:]
        if grad_final_states[0] is not None:
            grad_hs[T - 1] += grad_final_states[0]                # h_T is also the output h_n
        # Every step at once, with dh_t = dL/dh_t:
        #   delta_n = dh_t (1 - z) (1 - n^2),  delta_z = dh_t (h_{t-1} - n) z (1 - z),
        #   delta_r = delta_n (W_hn h_{t-1} + b_hn) r (1 - r)
        slope_n = (1 - z) * (1 - n * n)
        slope_z = (hs[:-1] - n) * z * (1 - z)
        slope_r = from_h[:, 2 * H:] * r * (1 - r)
        deltas_x = np.empty((T, 3 * H, N), hs.dtype)              # dL/d(W_ih x_t + b_ih): [r; z; n]
        deltas_h = np.empty((T, 3 * H, N), hs.dtype)              # dL/d(W_hh h_{t-1} + b_hh): [r; z; r n]
        through_z = np.empty((H, N), hs.dtype)
        for t in range(T - 1, -1, -1):                            # step t + 1 of the chapter
            delta_n = deltas_x[t, 2 * H:]
            np.multiply(grad_hs[t], slope_n[t], out=delta_n)
            np.multiply(grad_hs[t], slope_z[t], out=deltas_h[t, H:2 * H])             # delta_z
            np.multiply(delta_n, slope_r[t], out=deltas_h[t, :H])                     # delta_r
            np.multiply(delta_n, r[t], out=deltas_h[t, 2 * H:])                       # r delta_n
            np.multiply(grad_hs[t], z[t], out=through_z)          # dL/dh_{t-1} = dh_t z + W_hh^T delta_h
            through_z += W_hh.T @ deltas_h[t]
            if t > 0:
                grad_hs[t - 1] += through_z
        deltas_x[:, :2 * H] = deltas_h[:, :2 * H]                 # r and z see x and h alike
        delta_x, delta_h = side_by_side(deltas_x), side_by_side(deltas_h)      # (3H, T N)
        self._accumulate(layer,
                         delta_x @ side_by_side(x).T,             # dL/dW_ih = sum_t delta_x,t x_t^T
                         delta_h @ side_by_side(hs[:-1]).T,       # dL/dW_hh = sum_t delta_h,t h_{t-1}^T
                         delta_x.sum(axis=1), delta_h.sum(axis=1))
        return np.matmul(W_ih.T, deltas_x), [through_z]           # dL/dx_t = W_ih^T delta_x,t; dL/dh_0


class LastTimeStep(LastTimeStepSpec, Module):
    """The last step of a recurrent layer's output, so that RNN, LSTM or GRU fits in a Sequential:

        model = Sequential(RNN(1, 32, seed=0), LastTimeStep(), Linear(32, 1, seed=1))

    forward((out, h_n)) (or forward(out)): out (N, T, H) -> y = out[:, -1] (N, H)
    (batch_first=False: out (T, N, H) -> out[-1]). For one layer, y equals h_n[-1].
    backward(dL/dy) returns dL/d(out) (N, T, H): zeros except at the last step; the recurrent layer's
    backward takes it.
    """

    def forward(self, input):
        out = input[0] if isinstance(input, tuple) else input
        check_ndim(self, out, (3,), layout="(N, T, H)" if self.batch_first else "(T, N, H)")
        check_time_steps(self, out, self.batch_first)
        self.out_shape, self.dtype = out.shape, out.dtype
        return out[:, -1] if self.batch_first else out[-1]

    def backward(self, grad_out):
        grad = np.zeros(self.out_shape, self.dtype)               # the earlier steps do not reach y
        if self.batch_first:
            grad[:, -1] = grad_out
        else:
            grad[-1] = grad_out
        return grad
