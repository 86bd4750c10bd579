"""Recurrent layers (RNN, LSTM, GRU), LastTimeStep and Residual, on both backends: backward against
finite differences, torch.nn.RNN/LSTM/GRU as the oracle, NumPy vs torch backend parity, use inside a
Sequential, state_dict keys, and clear errors for bad input.

Tolerances. float64 (gradient checks, oracle): a right backward measures ~1e-10 against central
differences (see test_gradients.py), and the oracle differs from torch.nn only by the order of
roundings (~1e-15 measured), so 1e-6 and 1e-10 are wide margins that a wrong formula (1e-3 or more)
never meets. float32 parity (NumPy vs torch backend): a gradient of the weights sums T N products,
so its float32 roundings are relative to the size of its largest entries, not to each entry (an
entry near zero that is a sum of large terms keeps an absolute error of ~1e-7 times their size).
The NumPy LSTM/GRU also take sigma(z) = (1 + tanh(z / 2)) / 2, exact in real numbers and a few ulps
from torch's 1 / (1 + exp(-z)). Measured, over T = 6 and 50 steps, 2 layers: at most 8e-7 of the
largest entry of each array; the tolerance is 1e-5 of it. A wrong formula gives 1e-2 or more.
"""

import re

import numpy as np
import pytest
from catalogue import BY_ID, single_output, to_array, torch_residual
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlbook
from dlbook.core.errors import ShapeError
from dlbook.data import sine_sequences
from dlbook.gradcheck import gradcheck_report, numerical_gradient
from dlbook.train import fit

try:                 # the tests that use torch ask for the `torch` fixture, which skips them without it
    import torch
except ImportError:
    torch = None

GRADCHECK_TOL = 1e-6                     # float64 vs central differences (see the module docstring)
RTOL64, ATOL64 = 1e-10, 1e-12            # float64 vs torch.nn: roundings only
RTOL32, ATOL32 = 1e-5, 1e-6              # float32, one or two roundings per entry (as test_parity.py)
SCALED32 = 1e-5                          # float32 sums over steps: relative to the largest entry (docstring)

# the recurrent cases of the catalogue (tests/catalogue.py), built here with other sizes and options
KIND_IDS = ["RNN", "RNN-relu", "LSTM", "GRU"]


def make(dl, kind_id, input_size, hidden_size, seed=0, **kwargs):
    return BY_ID[kind_id].build(dl, seed, args=(input_size, hidden_size), **kwargs)


def make_torch_nn(kind_id, input_size, hidden_size, **kwargs):
    """The torch.nn twin; time first unless batch_first=True is given (torch's default, not ours)."""
    return BY_ID[kind_id].twin(torch, args=(input_size, hidden_size), **{"batch_first": False, **kwargs})


as_numpy = to_array


def as_tuple(states):
    """h_n -> (h_n,); (h_n, c_n) stays."""
    return states if isinstance(states, tuple) else (states,)


def assert_close(actual, expected, rtol, atol):
    np.testing.assert_allclose(as_numpy(actual), as_numpy(expected), rtol=rtol, atol=atol)


def assert_close_to_scale(actual, expected, relative=SCALED32):
    """|actual - expected| <= relative * max |expected|, entry by entry (float32 sums, see the docstring)."""
    expected = as_numpy(expected)
    np.testing.assert_allclose(as_numpy(actual), expected, rtol=0, atol=relative * np.abs(expected).max())


# ---------------------------------------------------------------- gradient checks (float64)


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_recurrent_backward_through_time_matches_finite_differences(dl, float64, kind_id, num_layers, bias):
    layer = make(dl, kind_id, 3, 4, num_layers=num_layers, bias=bias, seed=0)
    report = gradcheck_report(single_output(dl, layer), input_shape=(2, 5, 3))
    names = dlbook.core.init.recurrent_parameter_names(num_layers, bias)
    expected_names = {"input"} | {f"layer.{name}" for name in names}
    assert set(report) == expected_names
    assert max(report.values()) < GRADCHECK_TOL, report


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_gradient_of_the_initial_state_matches_finite_differences(dl, float64, kind_id):
    rng = np.random.default_rng(1)
    layer = make(dl, kind_id, 3, 4, num_layers=2, seed=0)
    x = dl.asarray(rng.standard_normal((2, 5, 3)))
    n_states = 2 if kind_id == "LSTM" else 1
    hx = [dl.asarray(rng.standard_normal((2, 2, 4))) for _ in range(n_states)]
    hx_arg = tuple(hx) if n_states == 2 else hx[0]
    grad_out = dl.asarray(rng.standard_normal((2, 5, 4)))
    grad_states = [dl.asarray(rng.standard_normal((2, 2, 4))) for _ in hx]

    def loss():
        with dl.no_grad():
            out, states = layer(x, hx_arg)
        total = float(as_numpy(out * grad_out).sum())
        return total + sum(float(as_numpy(s * g).sum()) for s, g in zip(as_tuple(states), grad_states))

    layer(x, hx_arg)
    layer.backward(grad_out, *grad_states)
    for analytic, state in zip(as_tuple(layer.grad_hx), hx, strict=True):
        assert_close(analytic, numerical_gradient(loss, state), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- torch.nn as the oracle (float64)


def run_layer(layer, x, hx, grad_out, grad_states):
    """Output, final states, dL/dx, dL/dhx and dL/dparameters of a dlbook layer."""
    out, states = layer(x, hx)
    grad_x = layer.backward(grad_out, *grad_states)
    params = {name: p.grad for name, p in layer.named_parameters()}
    return out, as_tuple(states), grad_x, as_tuple(layer.grad_hx), params


def run_torch_nn(twin, x, hx, grad_out, grad_states):
    """The same for a torch.nn twin, with autograd."""
    x = torch.tensor(x, requires_grad=True)
    hx = [torch.tensor(h, requires_grad=True) for h in hx]
    out, states = twin(x, tuple(hx) if len(hx) == 2 else hx[0])
    states = as_tuple(states)
    params = dict(twin.named_parameters())
    grads = torch.autograd.grad([out, *states], [x, *hx, *params.values()],
                                [torch.tensor(grad_out), *map(torch.tensor, grad_states)])
    return out, states, grads[0], grads[1:1 + len(hx)], dict(zip(params, grads[1 + len(hx):]))


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind_id=st.sampled_from(KIND_IDS), backend=st.sampled_from(dlbook.BACKENDS), steps=st.integers(1, 7),
       batch_size=st.integers(1, 4), input_size=st.integers(1, 5), hidden_size=st.integers(1, 6),
       num_layers=st.integers(1, 3), bias=st.booleans(), batch_first=st.booleans(), seed=st.integers(0, 2**16))
def test_outputs_final_states_and_all_gradients_equal_torch_nn(float64, torch, kind_id, backend, steps, batch_size,
                                                               input_size, hidden_size, num_layers, bias,
                                                               batch_first, seed):
    dl = dlbook.load(backend)
    layer = make(dl, kind_id, input_size, hidden_size, num_layers=num_layers, bias=bias, batch_first=batch_first,
                 seed=seed)
    twin = make_torch_nn(kind_id, input_size, hidden_size, num_layers=num_layers, bias=bias, batch_first=batch_first)
    twin.load_state_dict({key: torch.tensor(as_numpy(value)) for key, value in layer.state_dict().items()})
    rng = np.random.default_rng(seed)
    x_shape = (batch_size, steps, input_size) if batch_first else (steps, batch_size, input_size)
    out_shape = x_shape[:2] + (hidden_size,)
    x, grad_out = rng.standard_normal(x_shape), rng.standard_normal(out_shape)
    n_states = 2 if kind_id == "LSTM" else 1
    hx = [rng.standard_normal((num_layers, batch_size, hidden_size)) for _ in range(n_states)]
    grad_states = [rng.standard_normal((num_layers, batch_size, hidden_size)) for _ in range(n_states)]
    ours = run_layer(layer, dl.asarray(x), tuple(map(dl.asarray, hx)) if n_states == 2 else dl.asarray(hx[0]),
                     dl.asarray(grad_out), [dl.asarray(g) for g in grad_states])
    theirs = run_torch_nn(twin, x, hx, grad_out, grad_states)
    for our_part, their_part in zip(ours[:4], theirs[:4], strict=True):          # out, final states, dL/dx, dL/dhx
        for ours_array, theirs_array in zip(our_part if isinstance(our_part, tuple) else [our_part],
                                            their_part if isinstance(their_part, tuple) else [their_part], strict=True):
            assert_close(ours_array, theirs_array, RTOL64, ATOL64)
    assert list(ours[4]) == list(theirs[4])
    for name in ours[4]:
        assert_close(ours[4][name], theirs[4][name], RTOL64, ATOL64)


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_without_hx_the_initial_state_is_zero_as_in_torch(dl, float64, torch, kind_id):
    layer = make(dl, kind_id, 3, 5, seed=0)
    twin = make_torch_nn(kind_id, 3, 5, batch_first=True)
    twin.load_state_dict({key: torch.tensor(as_numpy(value)) for key, value in layer.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    out, states = layer(dl.asarray(x))
    twin_out, twin_states = twin(torch.tensor(x))
    assert_close(out, twin_out, RTOL64, ATOL64)
    for ours, theirs in zip(as_tuple(states), as_tuple(twin_states), strict=True):
        assert_close(ours, theirs, RTOL64, ATOL64)


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_backward_of_the_final_state_alone_matches_torch(dl, float64, torch, kind_id):
    layer = make(dl, kind_id, 3, 5, num_layers=2, seed=0)
    twin = make_torch_nn(kind_id, 3, 5, num_layers=2, batch_first=True)
    twin.load_state_dict({key: torch.tensor(as_numpy(value)) for key, value in layer.state_dict().items()})
    rng = np.random.default_rng(0)
    x, grad_h_n = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 2, 5))
    layer(dl.asarray(x))
    grad_x = layer.backward(None, grad_h_n=dl.asarray(grad_h_n))
    x_torch = torch.tensor(x, requires_grad=True)
    _, states = twin(x_torch)
    (twin_grad_x,) = torch.autograd.grad(as_tuple(states)[0], [x_torch], torch.tensor(grad_h_n))
    assert_close(grad_x, twin_grad_x, RTOL64, ATOL64)


# ---------------------------------------------------------------- names, shapes, init, batch_first


@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_state_dict_keys_and_shapes_equal_torch_nn(dl, torch, kind_id, num_layers):
    ours = make(dl, kind_id, 7, 5, num_layers=num_layers, seed=0).state_dict()
    theirs = make_torch_nn(kind_id, 7, 5, num_layers=num_layers).state_dict()
    assert list(ours) == list(theirs)
    assert [tuple(v.shape) for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_without_bias_there_are_only_the_two_weights_per_layer(dl, kind_id):
    layer = make(dl, kind_id, 3, 4, num_layers=2, bias=False, seed=0)
    assert list(layer.state_dict()) == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"]


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_same_seed_gives_identical_weights_on_both_backends_within_torchs_init_bound(dl_np, dl_torch, kind_id):
    state_np = make(dl_np, kind_id, 6, 16, num_layers=2, seed=3).state_dict()
    state_torch = make(dl_torch, kind_id, 6, 16, num_layers=2, seed=3).state_dict()
    for key in state_np:
        np.testing.assert_array_equal(as_numpy(state_np[key]), as_numpy(state_torch[key]))
        assert np.abs(as_numpy(state_np[key])).max() <= 1 / np.sqrt(16)          # U(-1/sqrt(H), 1/sqrt(H))
    assert make(dl_np, kind_id, 6, 16, seed=4).state_dict()["weight_hh_l0"].tolist() != \
        state_np["weight_hh_l0"].tolist()


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_batch_first_false_takes_time_first_sequences_and_gives_the_same_numbers(dl, kind_id):
    rng = np.random.default_rng(0)
    x, grad_out = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 5))          # (N, T, *)
    batch_first = make(dl, kind_id, 2, 5, seed=0)
    time_first = make(dl, kind_id, 2, 5, batch_first=False, seed=0)
    out, states = batch_first(dl.asarray(x))
    out_tf, states_tf = time_first(dl.asarray(x.transpose(1, 0, 2)))
    assert tuple(out_tf.shape) == (4, 3, 5)
    assert_close(as_numpy(out_tf).transpose(1, 0, 2), out, RTOL32, ATOL32)
    for ours, theirs in zip(as_tuple(states_tf), as_tuple(states), strict=True):
        assert_close(ours, theirs, RTOL32, ATOL32)
    grad_x = batch_first.backward(dl.asarray(grad_out))
    grad_x_tf = time_first.backward(dl.asarray(grad_out.transpose(1, 0, 2)))
    assert_close(as_numpy(grad_x_tf).transpose(1, 0, 2), grad_x, RTOL32, ATOL32)


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_forward_returns_torchs_structure_and_keeps_the_final_state(dl, kind_id):
    layer = make(dl, kind_id, 3, 5, num_layers=2, seed=0)
    out, states = layer(dl.asarray(np.ones((4, 6, 3))))
    assert tuple(out.shape) == (4, 6, 5)
    if kind_id == "LSTM":
        h_n, c_n = states
        assert tuple(c_n.shape) == (2, 4, 5)
        np.testing.assert_array_equal(as_numpy(layer.c_n), as_numpy(c_n))
    else:
        h_n = states
    assert tuple(h_n.shape) == (2, 4, 5)
    np.testing.assert_array_equal(as_numpy(layer.h_n), as_numpy(h_n))
    np.testing.assert_array_equal(as_numpy(h_n[-1]), as_numpy(out[:, -1]))       # the last layer's last step


# ---------------------------------------------------------------- NumPy vs torch backend (float32)


@pytest.mark.parametrize("steps", [6, 50])
@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_numpy_and_torch_backends_agree_in_float32(dl_np, dl_torch, kind_id, steps):
    rng = np.random.default_rng(0)
    x, grad_out = rng.standard_normal((4, steps, 3)), rng.standard_normal((4, steps, 8))
    results = {}
    for dl in (dl_np, dl_torch):
        layer = make(dl, kind_id, 3, 8, num_layers=2, seed=0)
        results[dl.name] = run_layer(layer, dl.asarray(x), None, dl.asarray(grad_out), [])
    (out_np, states_np, grad_np, hx_np, params_np) = results["numpy"]
    (out_torch, states_torch, grad_torch, hx_torch, params_torch) = results["torch"]
    assert as_numpy(out_np).dtype == np.float32
    for ours, theirs in [(out_np, out_torch), *zip(states_np, states_torch, strict=True), (grad_np, grad_torch),
                         *zip(hx_np, hx_torch, strict=True)]:
        assert_close_to_scale(ours, theirs)
    for name in params_np:
        assert_close_to_scale(params_np[name], params_torch[name])


# ---------------------------------------------------------------- in a Sequential: LastTimeStep


def sequence_model(dl, kind_id="RNN", hidden_size=8, batch_first=True):
    return dl.Sequential(make(dl, kind_id, 1, hidden_size, batch_first=batch_first, seed=0),
                         dl.LastTimeStep(batch_first=batch_first), dl.Linear(hidden_size, 1, seed=1))


def test_last_time_step_takes_the_last_output_and_sends_the_gradient_to_the_last_step_only(dl):
    rng = np.random.default_rng(0)
    out = dl.asarray(rng.standard_normal((3, 5, 4)))
    last = dl.LastTimeStep()
    y = last((out, None))
    assert_close(y, as_numpy(out)[:, -1], 0, 0)
    grad = as_numpy(last.backward(dl.asarray(np.ones((3, 4)))))
    assert grad.shape == (3, 5, 4)
    assert (grad[:, -1] == 1).all() and (grad[:, :-1] == 0).all()


def test_last_time_step_with_batch_first_false_takes_out_minus_one(dl):
    out = dl.asarray(np.arange(24.0).reshape(3, 2, 4))                       # (T, N, H)
    last = dl.LastTimeStep(batch_first=False)
    assert_close(last(out), as_numpy(out)[-1], 0, 0)
    assert tuple(last.backward(dl.asarray(np.ones((2, 4)))).shape) == (3, 2, 4)


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_a_sequential_with_a_recurrent_layer_and_a_dense_head_matches_finite_differences(dl, float64, kind_id):
    model = dl.Sequential(make(dl, kind_id, 2, 4, seed=0), dl.LastTimeStep(), dl.Linear(4, 3, seed=1))
    report = gradcheck_report(model, input_shape=(3, 5, 2))
    assert max(report.values()) < GRADCHECK_TOL, report


def test_a_sequential_with_time_first_sequences_matches_finite_differences(dl, float64):
    report = gradcheck_report(sequence_model(dl, "LSTM", 4, batch_first=False), input_shape=(5, 3, 1))
    assert max(report.values()) < GRADCHECK_TOL, report


def test_an_rnn_with_a_dense_head_learns_to_predict_the_next_value_of_a_sine_wave(dl):
    X, Y = sine_sequences(n=256, seq_len=15, seed=0)
    model = sequence_model(dl, "RNN", hidden_size=16)
    loss_fn = dl.MSELoss()
    before = float(as_numpy(loss_fn(model(dl.asarray(X)), dl.asarray(Y))))
    history = fit(model, loss_fn, dl.Adam(model.parameters(), lr=1e-2), X, Y, epochs=15, batch_size=32,
                  progress=False)
    assert history.train_loss[-1] < before / 10            # measured: 0.66 -> 0.0064 on both backends


# ---------------------------------------------------------------- Residual


def residual_block(dl, width=4):
    return dl.Residual(dl.Sequential(dl.Linear(width, width, seed=0), dl.ReLU()))


def test_residual_backward_matches_finite_differences(dl, float64):
    report = gradcheck_report(residual_block(dl), input_shape=(5, 4))
    assert set(report) == {"input", "block.0.weight", "block.0.bias"}
    assert max(report.values()) < GRADCHECK_TOL, report


def test_residual_adds_the_input_to_the_blocks_output(dl):
    x = dl.asarray(np.random.default_rng(0).standard_normal((5, 4)))
    block = residual_block(dl)
    assert_close(block(x), as_numpy(x) + as_numpy(block.block(x)), 1e-6, 1e-7)


def test_residual_gradient_is_the_identity_plus_the_blocks(dl):
    rng = np.random.default_rng(0)
    x, grad_out = dl.asarray(rng.standard_normal((5, 4))), dl.asarray(rng.standard_normal((5, 4)))
    residual = residual_block(dl)
    plain = dl.Sequential(dl.Linear(4, 4, seed=0), dl.ReLU())
    residual(x)
    plain(x)
    assert_close(residual.backward(grad_out), as_numpy(grad_out) + as_numpy(plain.backward(grad_out)), 1e-6, 1e-7)


def test_residual_state_dict_loads_into_a_torch_module_with_a_block(dl, torch):
    ours = residual_block(dl)
    state = ours.state_dict()
    assert list(state) == ["block.0.weight", "block.0.bias"]
    twin = torch_residual(torch, torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()))
    twin.load_state_dict({key: torch.tensor(as_numpy(value)) for key, value in state.items()})
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    assert_close(ours(dl.asarray(x)), twin(torch.tensor(x)), RTOL32, ATOL32)


def test_residual_around_a_block_that_changes_the_shape_says_so(dl):
    with pytest.raises(ShapeError, match=re.escape("Residual(Linear(4, 3)) expected its block to keep the input's "
                                                   "shape (5, 4), got (5, 3)")):
        dl.Residual(dl.Linear(4, 3, seed=0))(dl.asarray(np.zeros((5, 4))))


# ---------------------------------------------------------------- bad input


def zeros(dl, *shape):
    return dl.asarray(np.zeros(shape))


@pytest.mark.parametrize("shape", [(5, 8), (2, 5, 8, 1)], ids=["2-D", "4-D"])
def test_a_sequence_of_the_wrong_rank_names_the_layer_and_the_layout(dl, shape):
    message = f"LSTM(8, 64) expected a 3-D input (N, T, 8) (batch_first=True), got shape {shape}"
    with pytest.raises(ShapeError, match=re.escape(message)):
        dl.LSTM(8, 64, seed=0)(zeros(dl, *shape))


@pytest.mark.parametrize("kind_id", KIND_IDS)
def test_a_sequence_with_the_wrong_feature_size_names_the_layer_and_both_shapes(dl, kind_id):
    name = BY_ID[kind_id].cls
    with pytest.raises(ShapeError, match=re.escape(f"{name}(8, 64) expected input of shape (N, T, 8), "
                                                   f"got (32, 50, 7)")):
        make(dl, kind_id, 8, 64, seed=0)(zeros(dl, 32, 50, 7))


def test_a_time_first_layer_shows_the_time_first_layout(dl):
    with pytest.raises(ShapeError, match=re.escape("GRU(3, 4, num_layers=2) expected input of shape (T, N, 3), "
                                                   "got (5, 2, 4)")):
        dl.GRU(3, 4, num_layers=2, batch_first=False, seed=0)(zeros(dl, 5, 2, 4))


@pytest.mark.parametrize("kind_id", ["RNN", "GRU"])
def test_an_initial_state_of_the_wrong_shape_names_the_expected_shape(dl, kind_id):
    message = f"{kind_id}(3, 4) expected hx of shape (1, 2, 4) (num_layers, N, hidden_size), got (2, 4)"
    with pytest.raises(ShapeError, match=re.escape(message)):
        make(dl, kind_id, 3, 4, seed=0)(zeros(dl, 2, 5, 3), zeros(dl, 2, 4))


@pytest.mark.parametrize("which", ["h_0", "c_0"])
def test_an_lstm_state_of_the_wrong_shape_names_which_state(dl, which):
    good, bad = zeros(dl, 2, 2, 4), zeros(dl, 2, 3, 4)
    hx = (bad, good) if which == "h_0" else (good, bad)
    message = (f"LSTM(3, 4, num_layers=2) expected {which} of shape (2, 2, 4) (num_layers, N, hidden_size), "
               f"got (2, 3, 4)")
    with pytest.raises(ShapeError, match=re.escape(message)):
        dl.LSTM(3, 4, num_layers=2, seed=0)(zeros(dl, 2, 5, 3), hx)


def test_an_lstm_given_one_array_as_hx_asks_for_the_pair(dl):
    with pytest.raises(ShapeError, match=re.escape("LSTM(3, 4) expected hx = (h_0, c_0), two arrays of shape "
                                                   "(num_layers, N, hidden_size), got an array of shape (1, 2, 4)")):
        dl.LSTM(3, 4, seed=0)(zeros(dl, 2, 5, 3), zeros(dl, 1, 2, 4))


def test_a_gradient_of_the_wrong_shape_is_refused_by_backward(dl):
    layer = dl.RNN(3, 4, seed=0)
    layer(zeros(dl, 2, 5, 3))
    with pytest.raises(ShapeError, match=re.escape("RNN(3, 4) expected grad_out of shape (2, 5, 4), got (2, 4)")):
        layer.backward(zeros(dl, 2, 4))


def test_last_time_step_given_a_matrix_says_it_needs_a_sequence(dl):
    with pytest.raises(ShapeError, match=re.escape("LastTimeStep() expected a 3-D input (N, T, H), got shape (2, 4)")):
        dl.LastTimeStep()(zeros(dl, 2, 4))


def test_an_unknown_nonlinearity_is_refused(dl):
    with pytest.raises(ValueError, match="nonlinearity"):
        dl.RNN(3, 4, nonlinearity="sigmoid")
