"""Gradients through time: the backward-based norms equal the closed form, vanish for small recurrent
weights, follow scale^k exactly in the linear regime; weight and forget-bias setters on both backends."""

import numpy as np
import pytest

from dlbook.experiments.gradients_through_time import (
    jacobian_norms_from_states,
    orthogonal_recurrent_weights,
    set_forget_gate_bias,
    set_recurrent_weights,
    spectral_radius,
    state_gradient_norms,
)

STEPS, HIDDEN = 12, 6
X = np.random.default_rng(0).standard_normal((STEPS, 2)).astype(np.float32)      # one sequence (T, D)


def states_of(dl, rnn, x):
    """h_0 .. h_T (T + 1, H) of one sequence, as float64 NumPy."""
    with dl.no_grad():
        out, _ = rnn(dl.asarray(x[None]))
    return np.concatenate([np.zeros((1, rnn.hidden_size)), dl.to_numpy(out)[0]]).astype(np.float64)


def test_orthogonal_recurrent_weights_have_norm_and_spectral_radius_equal_to_the_scale():
    weight = orthogonal_recurrent_weights(16, 0.7, seed=3)
    assert np.allclose(np.linalg.svd(weight, compute_uv=False), 0.7)
    assert abs(spectral_radius(weight) - 0.7) < 1e-9
    assert np.array_equal(weight, orthogonal_recurrent_weights(16, 0.7, seed=3))         # seeded


def test_the_closed_form_of_a_linear_regime_rnn_is_scale_to_the_power_of_the_distance():
    weight = orthogonal_recurrent_weights(8, 1.3)
    norms = jacobian_norms_from_states(weight, np.zeros((STEPS + 1, 8)))   # h = 0: tanh' = 1 at every step
    np.testing.assert_allclose(norms, 1.3 ** np.arange(STEPS, -1, -1), rtol=1e-10)


def test_backward_based_norms_equal_the_closed_form_on_each_backend(dl):
    rnn = dl.RNN(2, HIDDEN, seed=1)
    norms = state_gradient_norms(rnn, X)
    closed_form = jacobian_norms_from_states(dl.to_numpy(rnn.weight_hh_l0.data), states_of(dl, rnn, X))
    assert norms.shape == (STEPS + 1,) and norms[-1] == 1.0
    np.testing.assert_allclose(norms, closed_form, rtol=1e-4)             # float32 layer vs float64 product


def test_the_measurement_leaves_the_gradients_at_zero(dl):
    rnn = dl.RNN(2, HIDDEN, seed=1)
    state_gradient_norms(rnn, X)
    assert all(p.grad is None or not np.any(dl.to_numpy(p.grad)) for p in rnn.parameters())


def test_gradients_vanish_over_thirty_steps_when_the_spectral_radius_is_below_one(dl):
    rnn = dl.RNN(1, 32, seed=0)
    x = np.sin(0.3 * np.arange(40, dtype=np.float32))[:, None]
    norms = state_gradient_norms(rnn, x)
    assert spectral_radius(dl.to_numpy(rnn.weight_hh_l0.data)) < 1
    assert norms[-1] / norms[-31] > 100, norms[-31]


def test_larger_recurrent_weights_pass_more_gradient_back(dl_np):
    x = 0.1 * X[:, :1]
    first = []
    for scale in (0.5, 1.0, 1.5):
        rnn = dl_np.RNN(1, HIDDEN, bias=False, seed=0)
        set_recurrent_weights(rnn, orthogonal_recurrent_weights(HIDDEN, scale))
        first.append(state_gradient_norms(rnn, x)[0])
    assert first[0] < 1e-2 < first[1] < 1 < first[2], first


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_gated_layers_are_measured_through_their_whole_state(dl, kind):
    layer = getattr(dl, kind)(2, HIDDEN, seed=0)
    norms = state_gradient_norms(layer, X)
    assert norms.shape == (STEPS + 1,) and np.isfinite(norms).all() and norms[-1] == 1.0


def test_an_open_forget_gate_keeps_the_lstm_gradient_alive(dl):
    x = np.sin(0.3 * np.arange(30, dtype=np.float32))[:, None]
    closed, opened = dl.LSTM(1, 16, seed=0), dl.LSTM(1, 16, seed=0)
    set_forget_gate_bias(opened, 5.0)
    assert state_gradient_norms(opened, x)[0] > 1e3 * state_gradient_norms(closed, x)[0]


def test_set_forget_gate_bias_sets_only_the_forget_rows(dl):
    lstm = dl.LSTM(1, 4, seed=0)
    before = {name: dl.to_numpy(getattr(lstm, name).data).copy() for name in ("bias_ih_l0", "bias_hh_l0")}
    set_forget_gate_bias(lstm, 3.0)
    bias_ih, bias_hh = (dl.to_numpy(getattr(lstm, name).data) for name in ("bias_ih_l0", "bias_hh_l0"))
    assert np.all(bias_ih[4:8] == 3.0) and np.all(bias_hh[4:8] == 0.0)
    keep = np.r_[0:4, 8:16]                                               # rows of the gates i, g, o
    assert np.array_equal(bias_ih[keep], before["bias_ih_l0"][keep])
    assert np.array_equal(bias_hh[keep], before["bias_hh_l0"][keep])


def test_set_recurrent_weights_copies_into_the_layer(dl):
    rnn = dl.RNN(1, 4, seed=0)
    weight = orthogonal_recurrent_weights(4, 0.9)
    set_recurrent_weights(rnn, weight)
    np.testing.assert_allclose(dl.to_numpy(rnn.weight_hh_l0.data), weight, rtol=1e-6)


def test_a_stack_of_layers_is_refused(dl_np):
    with pytest.raises(ValueError, match="one-layer"):
        state_gradient_norms(dl_np.RNN(2, 3, num_layers=2, seed=0), X)


def test_the_module_imports_no_backend():
    import dlbook.experiments.gradients_through_time as module

    source = open(module.__file__).read()
    assert "import torch" not in source and "from .numpy" not in source and "from . import numpy" not in source
