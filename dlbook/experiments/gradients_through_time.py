"""Gradients through time: how much of dL/dh_T reaches the state h_t of T - t steps earlier.

For a tanh RNN, h_s = tanh(a_s) with a_s = W_ih x_s + b + W_hh h_{s-1}, the chain rule multiplies
one factor per step:

    dh_T / dh_t = diag(1 - h_T^2) W_hh  diag(1 - h_{T-1}^2) W_hh  ...  diag(1 - h_{t+1}^2) W_hh

an (H, H) matrix. Since 0 < tanh' <= 1, its norm is at most ||W_hh||^(T - t): when the recurrent weights
shrink vectors (||W_hh|| < 1) the gradient from step T vanishes exponentially in the distance T - t, and
when they stretch them (near h = 0, where tanh' ~ 1) it can explode. We measure ||dh_T / dh_t||_2, the
largest factor by which a gradient at h_T can grow or shrink on its way back to h_t.

Two ways to compute it, which the tests hold equal:
- state_gradient_norms(layer, x): from a recurrent layer's own backward, on either backend, for RNN, GRU
  and LSTM (whose state is the pair (h_t, c_t));
- jacobian_norms_from_states(weight_hh, hs): the product above, in NumPy, for a tanh RNN whose states
  h_0 .. h_T are known (what the gradient-flow explorer draws).

Also: recurrent weights of a chosen scale, and the forget-gate bias of an LSTM. Imports no backend.
"""

import numpy as np

from .. import backend_of


def orthogonal_recurrent_weights(hidden_size, scale, seed=0):
    """scale * Q for a random orthogonal (H, H) matrix Q: every singular value and every |eigenvalue| is
    `scale`, so the spectral norm and the spectral radius both equal `scale`. float64."""
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((hidden_size, hidden_size)))
    return scale * q * np.sign(np.diag(r))                      # signs fixed: Q is uniform (Haar)


def spectral_radius(weight):
    """max |eigenvalue| of a square matrix (a NumPy array or backend tensor)."""
    return float(np.abs(np.linalg.eigvals(np.asarray(weight, dtype=np.float64))).max())


def set_recurrent_weights(layer, weight_hh):
    """Copy an (G H, H) array into layer.weight_hh_l0, in place, on either backend."""
    layer.load_state_dict({"weight_hh_l0": np.asarray(weight_hh)}, strict=False)


def set_forget_gate_bias(lstm, value):
    """Start an LSTM with its forget gates open: the forget rows (H..2H, torch's order i, f, g, o) of
    bias_ih_l0 set to `value` and of bias_hh_l0 to 0, so that f = sigma(value + ...) at the start.
    Keras starts at 1 (unit_forget_bias), torch at U(-1/sqrt(H), 1/sqrt(H))."""
    dl, hidden = backend_of(lstm), lstm.hidden_size
    biases = {name: np.array(dl.to_numpy(getattr(lstm, name).data)) for name in ("bias_ih_l0", "bias_hh_l0")}
    biases["bias_ih_l0"][hidden:2 * hidden] = value
    biases["bias_hh_l0"][hidden:2 * hidden] = 0.0
    lstm.load_state_dict(biases, strict=False)


def jacobian_norms_from_states(weight_hh, hs):
    """||dh_T / dh_t||_2 for t = 0..T of a tanh RNN, in closed form (NumPy, float64).

    weight_hh: (H, H); hs: (T + 1, H), the states h_0 .. h_T of one sequence.
    Returns (T + 1,): entry t is the spectral norm of prod_{s=T}^{t+1} diag(1 - h_s^2) W_hh (entry T: 1)."""
    weight_hh, hs = np.asarray(weight_hh, dtype=np.float64), np.asarray(hs, dtype=np.float64)
    steps = len(hs) - 1
    jacobian = np.eye(weight_hh.shape[0])                     # dh_T / dh_T
    norms = np.ones(steps + 1)
    for t in range(steps - 1, -1, -1):
        jacobian = jacobian @ ((1 - hs[t + 1] ** 2)[:, None] * weight_hh)   # ... diag(tanh'(a_{t+1})) W_hh
        norms[t] = np.linalg.norm(jacobian, 2)
    return norms


def state_gradient_norms(layer, x):
    """||dh_T / d(state_t)||_2 for t = 0..T, from the layer's own forward and backward (either backend).

    layer: a one-layer RNN, GRU (state h_t) or LSTM (state (h_t, c_t)); x: one sequence, NumPy (T, D).
    For each t, the layer runs from the state at t over x_{t+1} .. x_T for H copies of the sequence, and
    backward puts the gradient at the last step only, dL_j/dh_T = e_j for copy j: then dL_j/d(state_t),
    which the layer keeps as grad_hx, is row j of the Jacobian. Returns (T + 1,) float64 (entry T: 1).
    Leaves the layer's .grad at zero."""
    if layer.num_layers != 1:
        raise ValueError(f"state_gradient_norms takes a one-layer recurrent layer, got num_layers={layer.num_layers}")
    dl = backend_of(layer)
    x = np.asarray(x)
    steps, hidden = x.shape[0], layer.hidden_size
    is_lstm = len(layer.state_names) == 2                        # LSTM: (h_t, c_t)
    identity = dl.asarray(np.eye(hidden)[None])                # dL_j/dh_T = e_j: (1, H copies, H)
    norms = np.ones(steps + 1)
    for t in range(steps):
        states = [np.zeros((1, 1, hidden))] * (2 if is_lstm else 1)       # state_0 = zeros
        if t > 0:
            with dl.no_grad():
                _, final = layer(dl.asarray(x[None, :t]))                  # state_t: run the first t steps
            states = [dl.to_numpy(s) for s in (final if is_lstm else (final,))]
        hx = [dl.asarray(np.repeat(s, hidden, axis=1)) for s in states]  # (1, H copies, H)
        layer(dl.asarray(np.repeat(x[None, t:], hidden, axis=0)), tuple(hx) if is_lstm else hx[0])
        layer.backward(None, identity)
        grads = layer.grad_hx if is_lstm else (layer.grad_hx,)
        jacobian = np.concatenate([dl.to_numpy(g)[0] for g in grads], axis=1)   # (H, H) or (H, 2H)
        norms[t] = np.linalg.norm(jacobian.astype(np.float64), 2)
    layer.zero_grad()
    return norms
