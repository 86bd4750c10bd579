"""Bad input gets a clear error on both backends: it names the layer, what was expected and what
came, before any NumPy or torch error three frames down; no silent broadcasting."""

import re
import warnings

import numpy as np
import pytest

import dlbook.core.errors
from dlbook.core.errors import NonFiniteError, ShapeError, TargetError

N = 4


def zeros(dl, *shape, dtype=None):
    return dl.asarray(np.zeros(shape, dtype=dtype or np.float64))


def class_indices(dl, *values):
    return dl.asarray(np.array(values, dtype=np.int64))


# --- shapes of layer inputs -----------------------------------------------------------------------


def test_linear_given_the_wrong_feature_count_says_which_layer_expected_what_and_got_what(dl):
    with pytest.raises(ShapeError) as error:
        dl.Linear(64, 32, seed=0)(zeros(dl, 128, 63))
    assert str(error.value) == "Linear(64, 32) expected input of shape (N, 64), got (128, 63)"


def test_linear_given_a_sequence_with_the_wrong_feature_count_shows_any_leading_axes(dl):
    with pytest.raises(ShapeError) as error:
        dl.Linear(64, 32, seed=0)(zeros(dl, 2, 5, 63))
    assert str(error.value) == "Linear(64, 32) expected input of shape (*, 64), got (2, 5, 63)"


def test_linear_given_a_scalar_raises_a_shape_error(dl):
    with pytest.raises(ShapeError, match=re.escape("Linear(3, 2) expected input of shape (N, 3), got ()")):
        dl.Linear(3, 2, seed=0)(zeros(dl))


def test_a_layer_inside_a_sequential_is_named_in_the_error(dl):
    model = dl.Sequential(dl.Linear(4, 8, seed=0), dl.ReLU(), dl.Linear(16, 2, seed=1))
    with pytest.raises(ShapeError, match=re.escape("Linear(16, 2) expected input of shape (N, 16), got (4, 8)")):
        model(zeros(dl, N, 4))


def test_batchnorm1d_given_the_wrong_channel_count_names_the_count_and_the_shape(dl):
    with pytest.raises(ShapeError, match=re.escape("BatchNorm1d(4) expected input with channels 4 on axis 1, "
                                                   "got shape (8, 5)")):
        dl.BatchNorm1d(4)(zeros(dl, 8, 5))


@pytest.mark.parametrize("shape", [(4,), (2, 4, 3, 3)], ids=["1-D", "4-D"])
def test_batchnorm1d_given_the_wrong_rank_names_the_ranks_it_takes(dl, shape):
    with pytest.raises(ShapeError, match=re.escape(f"BatchNorm1d(4) expected a 2-D or 3-D input (N, C) or "
                                                   f"(N, C, L), got shape {shape}")):
        dl.BatchNorm1d(4)(zeros(dl, *shape))


def test_batchnorm1d_given_one_sample_in_training_says_it_needs_more(dl):
    with pytest.raises(ShapeError, match=re.escape("BatchNorm1d(4) expected more than 1 value per channel when "
                                                   "training, got input of shape (1, 4)")):
        dl.BatchNorm1d(4)(zeros(dl, 1, 4))


# --- NaN and inf ----------------------------------------------------------------------------------

# (name in the message, the layer, a well-formed call of it on `input`)
FINITE_CHECKED = [
    ("Linear(3, 2)", lambda dl: dl.Linear(3, 2, seed=0), lambda dl, layer, x: layer(x)),
    ("BatchNorm1d(3)", lambda dl: dl.BatchNorm1d(3), lambda dl, layer, x: layer(x)),
    ("MSELoss()", lambda dl: dl.MSELoss(), lambda dl, loss, x: loss(x, zeros(dl, N, 3))),
    ("BCEWithLogitsLoss()", lambda dl: dl.BCEWithLogitsLoss(), lambda dl, loss, x: loss(x, zeros(dl, N, 3))),
    ("CrossEntropyLoss()", lambda dl: dl.CrossEntropyLoss(),
     lambda dl, loss, x: loss(x, class_indices(dl, 0, 1, 2, 0))),
]


@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("name, make, call", FINITE_CHECKED, ids=[name for name, _, _ in FINITE_CHECKED])
def test_a_nan_or_inf_input_raises_a_non_finite_error_naming_the_layer(dl, name, make, call, bad_value):
    x = np.random.default_rng(0).normal(size=(N, 3))
    x[2, 1] = bad_value
    with pytest.raises(NonFiniteError, match=re.escape(f"{name} got an input holding NaN or inf (shape (4, 3))")):
        call(dl, make(dl), dl.asarray(x))


@pytest.mark.filterwarnings("ignore:overflow encountered in reduce:RuntimeWarning")
def test_a_large_finite_input_whose_sum_overflows_is_no_false_alarm(dl):
    # the check sums first; 12 x 1e38 overflows float32 although every element is finite
    x = np.full((N, 3), 1e38, dtype=np.float32)
    assert tuple(dl.Linear(3, 2, seed=0)(dl.asarray(x)).shape) == (N, 2)


def test_the_finiteness_check_of_a_large_finite_input_warns_nothing(dl_np):
    x = np.full((N, 3), 1e38, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dl_np.is_finite(x)


# --- loss targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [10, 11, -1], ids=["C", "C+1", "-1"])
def test_cross_entropy_target_out_of_range_names_the_value_and_the_class_count(dl, bad):
    with pytest.raises(TargetError, match=rf"got target {bad}, out of range for 10 classes"):
        dl.CrossEntropyLoss()(zeros(dl, N, 10), class_indices(dl, 0, bad, 2, 9))


def test_cross_entropy_target_error_is_an_index_error_as_torch_raises(dl):
    with pytest.raises(IndexError):
        dl.CrossEntropyLoss()(zeros(dl, N, 10), class_indices(dl, 0, 10, 2, 9))


def test_cross_entropy_ignore_index_is_not_out_of_range(dl):
    loss = dl.CrossEntropyLoss(ignore_index=-1)(zeros(dl, N, 10), class_indices(dl, 0, -1, 2, 9))
    np.testing.assert_allclose(float(dl.to_numpy(loss)), np.log(10), rtol=1e-6)   # uniform logits


def test_cross_entropy_class_indices_of_the_wrong_rank_name_both_shapes(dl):
    target = dl.asarray(np.zeros((N, 1), dtype=np.int64))
    with pytest.raises(ShapeError, match=re.escape("CrossEntropyLoss() expected class-index target of shape (4,) "
                                                   "for input of shape (4, 10), got (4, 1)")):
        dl.CrossEntropyLoss()(zeros(dl, N, 10), target)


def test_cross_entropy_integer_target_of_the_inputs_shape_is_not_read_as_probabilities(dl):
    with pytest.raises(ShapeError, match=re.escape("expected class-index target of shape (4,)")):
        dl.CrossEntropyLoss()(zeros(dl, N, 10), dl.asarray(np.zeros((N, 10), dtype=np.int64)))


def test_cross_entropy_float_target_must_be_probabilities_of_the_inputs_shape(dl):
    with pytest.raises(ShapeError, match=re.escape("expected a target of the input's shape (4, 10), got (4,)")):
        dl.CrossEntropyLoss()(zeros(dl, N, 10), dl.asarray(np.array([0.0, 1.0, 2.0, 3.0])))


def test_cross_entropy_boolean_target_is_neither_indices_nor_probabilities(dl):
    with pytest.raises(TargetError, match="expected integer class indices, got dtype .*bool"):
        dl.CrossEntropyLoss()(zeros(dl, N, 10), dl.asarray(np.zeros(N, dtype=bool)))


@pytest.mark.parametrize("loss", ["MSELoss", "BCEWithLogitsLoss"])
def test_an_integer_target_is_read_in_the_inputs_float_dtype(dl, loss):
    value = getattr(dl, loss)()(zeros(dl, N, 1), dl.asarray(np.ones((N, 1), dtype=np.int64)))
    assert dl.to_numpy(value).dtype == np.float32


@pytest.mark.parametrize("loss", ["MSELoss", "BCEWithLogitsLoss"])
@pytest.mark.parametrize("input_shape, target_shape", [((N, 1), (N,)), ((N,), (N, 1)), ((N, 3), (N, 1)),
                                                       ((N, 3), (3,))])
def test_a_target_of_another_shape_is_a_shape_error_not_a_broadcast(dl, loss, input_shape, target_shape):
    expected = (f"{loss}() expected a target of the input's shape {input_shape}, got {target_shape}")
    with pytest.raises(ShapeError, match=re.escape(expected)):
        getattr(dl, loss)()(zeros(dl, *input_shape), zeros(dl, *target_shape))


def test_an_unreduced_loss_backward_rejects_a_gradient_of_another_shape(dl):
    loss_fn = dl.MSELoss(reduction="none")
    loss_fn(zeros(dl, N, 2), zeros(dl, N, 2))
    with pytest.raises(ShapeError, match=re.escape("(4, 2), got (4,)")):
        loss_fn.backward(zeros(dl, N))


# --- constructor arguments ------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1.5, -0.1])
def test_dropout_probability_outside_zero_one_is_a_value_error(dl, p):
    with pytest.raises(ValueError, match=f"between 0 and 1, but got {p}"):
        dl.Dropout(p)


@pytest.mark.parametrize("loss", ["MSELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"])
def test_an_unknown_reduction_is_a_value_error_listing_the_choices(dl, loss):
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), got 'avg'"):
        getattr(dl, loss)(reduction="avg")


def test_label_smoothing_above_one_is_a_value_error(dl):
    with pytest.raises(ValueError, match="label_smoothing"):
        dl.CrossEntropyLoss(label_smoothing=1.5)


def test_an_unknown_gelu_approximation_is_a_value_error(dl):
    with pytest.raises(ValueError, match="'none' or 'tanh', got 'exact'"):
        dl.GELU(approximate="exact")


@pytest.mark.parametrize("optimizer", ["SGD", "RMSprop", "Adam", "AdamW"])
def test_a_negative_learning_rate_is_a_value_error(dl, optimizer):
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        getattr(dl, optimizer)(dl.Linear(2, 2, seed=0).parameters(), lr=-0.1)


@pytest.mark.parametrize("optimizer", ["Adam", "AdamW"])
@pytest.mark.parametrize("betas, index", [((1.0, 0.999), 0), ((-0.1, 0.999), 0), ((0.9, 1.5), 1)])
def test_betas_outside_zero_one_are_a_value_error_naming_the_index(dl, optimizer, betas, index):
    with pytest.raises(ValueError, match=f"Invalid beta parameter at index {index}"):
        getattr(dl, optimizer)(dl.Linear(2, 2, seed=0).parameters(), betas=betas)


@pytest.mark.parametrize("arguments, message", [
    (dict(momentum=-0.5), "Invalid momentum value"),
    (dict(weight_decay=-1.0), "Invalid weight_decay value"),
    (dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
], ids=["momentum", "weight_decay", "nesterov"])
def test_bad_sgd_settings_are_a_value_error(dl, arguments, message):
    with pytest.raises(ValueError, match=message):
        dl.SGD(dl.Linear(2, 2, seed=0).parameters(), lr=0.1, **arguments)


def test_an_optimizer_without_parameters_is_a_value_error(dl):
    with pytest.raises(ValueError, match="empty parameter list"):
        dl.SGD([], lr=0.1)


# --- the error classes ----------------------------------------------------------------------------


@pytest.mark.parametrize("base", [RuntimeError, ValueError])
def test_shape_error_is_caught_as_torch_and_as_numpy_code_would_catch_it(base):
    assert issubclass(ShapeError, base)


@pytest.mark.parametrize("base", [ValueError, IndexError])
def test_target_error_is_a_value_error_and_an_index_error(base):
    assert issubclass(TargetError, base)


@pytest.mark.parametrize("base", [ValueError, FloatingPointError])
def test_non_finite_error_is_a_value_error_and_a_floating_point_error(base):
    assert issubclass(NonFiniteError, base)


def test_both_backends_raise_the_error_classes_of_dlbook_errors(dl):
    assert (dl.ShapeError, dl.TargetError, dl.NonFiniteError) == (
        dlbook.core.errors.ShapeError, dlbook.core.errors.TargetError, dlbook.core.errors.NonFiniteError)


def test_a_shape_error_raised_inside_a_layer_is_caught_as_a_runtime_error(dl):
    with pytest.raises(RuntimeError):
        dl.Linear(64, 32, seed=0)(zeros(dl, 128, 63))


def test_an_integer_input_to_linear_is_refused_with_the_dtype(dl):
    layer = dl.Linear(3, 2, seed=0)
    with pytest.raises(TypeError, match=r"Linear\(3, 2\) expected a floating-point input, got dtype .*int64"):
        layer(dl.asarray(np.ones((4, 3), dtype=np.int64)))


@pytest.mark.parametrize("loss_name", ["MSELoss", "BCEWithLogitsLoss"])
def test_a_nan_target_is_refused_by_the_loss(dl, loss_name):
    loss_fn = getattr(dl, loss_name)()
    target = np.full((4, 1), 0.5, dtype=np.float32)
    target[2, 0] = np.nan
    with pytest.raises(dl.NonFiniteError, match=f"{loss_name}.*target holding NaN"):
        loss_fn(dl.asarray(np.zeros((4, 1), np.float32)), dl.asarray(target))


# --- one backward per forward (issue 11) ----------------------------------------------------------


def backward_error(dl, make_and_misuse):
    with pytest.raises(RuntimeError) as error:
        make_and_misuse(dl)
    return str(error.value)


def tied(dl):
    lin = dl.Linear(4, 4, seed=0)
    model = dl.Sequential(lin, dl.Tanh(), lin)
    model(zeros(dl, N, 4))
    model.backward(zeros(dl, N, 4))


def test_a_layer_applied_twice_in_one_forward_is_refused_at_its_second_backward_alike_on_both_backends(dl_np,
                                                                                                       dl_torch):
    messages = [backward_error(dl, tied) for dl in (dl_np, dl_torch)]
    assert messages[0] == messages[1]
    assert messages[0].startswith("Linear(4, 4) appears twice in Sequential: a layer applied twice in one forward")
    assert "use two layers sharing one Parameter, lin2.weight = lin1.weight, in one Sequential" in messages[0]


def test_a_tied_layer_gets_no_gradient_before_the_refusal(dl):
    lin = dl.Linear(4, 4, seed=0)
    model = dl.Sequential(lin, dl.Tanh(), lin)
    model(zeros(dl, N, 4))
    with pytest.raises(RuntimeError):
        model.backward(zeros(dl, N, 4))
    assert lin.weight.grad is None


def test_a_layer_applied_twice_by_hand_is_refused_at_its_second_backward(dl):
    lin = dl.Linear(4, 4, seed=0)
    lin(lin(zeros(dl, N, 4)))
    with pytest.raises(RuntimeError, match=re.escape("Linear(4, 4).backward()")) as error:
        lin.backward(lin.backward(zeros(dl, N, 4)))
    assert "a layer applied twice in one forward" in str(error.value)


def sharing_by_hand(dl):
    first, second = dl.Linear(4, 4, seed=0), dl.Linear(4, 4, seed=1)
    second.weight = first.weight
    second(dl.Tanh()(first(zeros(dl, N, 4))))
    first.backward(second.backward(zeros(dl, N, 4)))       # not through Tanh: the graph is freed before


def test_a_parameter_shared_by_two_layers_outside_a_sequential_is_refused_by_the_torch_layer_backward(dl_torch):
    # autograd from the second layer reaches the shared weight below it too, and frees that graph; in a
    # Sequential, the backward runs over the whole graph instead (tests/test_tied_weights.py)
    assert "found its graph freed by an earlier backward" in backward_error(dl_torch, sharing_by_hand)


def test_two_numpy_layers_sharing_one_parameter_get_torchs_tied_gradient(dl_np, torch):
    dl = dl_np
    first, second = dl.Linear(4, 4, seed=0), dl.Linear(4, 4, seed=1)
    second.weight = first.weight                                      # tied weights, as the message suggests
    model = dl.Sequential(first, dl.Tanh(), second)
    x = np.random.default_rng(0).normal(size=(N, 4))
    model(dl.asarray(x))
    model.backward(dl.asarray(np.ones((N, 4))))
    twin_first, twin_second = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)
    twin_first.load_state_dict({k: torch.as_tensor(dl.to_numpy(v)) for k, v in first.state_dict().items()})
    twin_second.load_state_dict({k: torch.as_tensor(dl.to_numpy(v)) for k, v in second.state_dict().items()})
    twin_second.weight = twin_first.weight
    twin_second(torch.tanh(twin_first(torch.as_tensor(x, dtype=torch.float32)))).sum().backward()
    np.testing.assert_allclose(dl.to_numpy(first.weight.grad), twin_first.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


MISUSED = [
    ("Linear(4, 3)", lambda dl: dl.Linear(4, 3, seed=0), (N, 4)),
    ("Conv2d(1, 2, kernel_size=3)", lambda dl: dl.Conv2d(1, 2, 3, seed=0), (N, 1, 5, 5)),
    ("BatchNorm1d(4)", lambda dl: dl.BatchNorm1d(4), (N, 4)),
    ("Residual(Linear(4, 4))", lambda dl: dl.Residual(dl.Linear(4, 4, seed=0)), (N, 4)),
    ("RNN(4, 3)", lambda dl: dl.RNN(4, 3, seed=0), (N, 2, 4)),
    ("Sigmoid()", lambda dl: dl.Sigmoid(), (N, 4)),
]


@pytest.mark.parametrize("name, make, shape", MISUSED, ids=[name for name, _, _ in MISUSED])
def test_backward_twice_after_one_forward_is_refused_instead_of_doubling_the_gradients(dl_np, dl_torch, name, make,
                                                                                        shape):
    def twice(dl):
        layer = make(dl)
        y = layer(zeros(dl, *shape))
        grads = [dl.asarray(np.ones(tuple(out.shape))) for out in (y if isinstance(y, tuple) else (y,))]
        layer.backward(*grads)
        layer.backward(*grads)

    messages = [backward_error(dl, twice) for dl in (dl_np, dl_torch)]
    assert messages[0] == messages[1] and messages[0].startswith(f"{name}.backward() called twice after one forward")


@pytest.mark.parametrize("name, make, shape", MISUSED, ids=[name for name, _, _ in MISUSED])
def test_backward_before_forward_is_a_runtime_error_naming_the_layer(dl_np, dl_torch, name, make, shape):
    messages = [backward_error(dl, lambda dl: make(dl).backward(zeros(dl, *shape))) for dl in (dl_np, dl_torch)]
    assert messages[0] == messages[1] == (f"{name}.backward() called before any forward: run the forward pass first, "
                                          "then one backward")


def test_a_loss_backward_twice_is_refused(dl):
    loss_fn = dl.MSELoss()
    loss_fn(zeros(dl, N, 2), zeros(dl, N, 2))
    loss_fn.backward()
    with pytest.raises(RuntimeError, match=re.escape("MSELoss().backward() called twice after one forward")):
        loss_fn.backward()


def test_a_gradient_of_another_shape_is_refused_by_a_layers_backward(dl):
    layer = dl.Linear(4, 3, seed=0)
    layer(zeros(dl, N, 4))
    with pytest.raises(ShapeError, match=re.escape("Linear(4, 3).backward() expected grad_out of the output's "
                                                   "shape (4, 3), got (3,)")):
        layer.backward(zeros(dl, 3))


def test_a_failed_backward_can_be_retried_with_the_right_gradient(dl):
    layer = dl.Linear(4, 3, seed=0)
    layer(zeros(dl, N, 4))
    with pytest.raises(ShapeError):
        layer.backward(zeros(dl, 3))
    assert tuple(layer.backward(zeros(dl, N, 3)).shape) == (N, 4)


def test_an_unreduced_loss_backward_names_grad_out_not_the_target(dl):
    loss_fn = dl.MSELoss(reduction="none")
    loss_fn(zeros(dl, N, 2), zeros(dl, N, 2))
    with pytest.raises(ShapeError, match=re.escape("MSELoss(reduction='none').backward() expected grad_out of the "
                                                   "output's shape (4, 2), got ()")):
        loss_fn.backward()


# --- dtypes: integers, booleans, float16, complex (issue 11) --------------------------------------

FLOATING_CHECKED = [
    ("BatchNorm1d(3)", lambda dl: dl.BatchNorm1d(3), lambda layer, x: layer(x)),
    ("Sigmoid()", lambda dl: dl.Sigmoid(), lambda layer, x: layer(x)),
    ("GELU(approximate='none')", lambda dl: dl.GELU(), lambda layer, x: layer(x)),
    ("LeakyReLU(negative_slope=0.01)", lambda dl: dl.LeakyReLU(), lambda layer, x: layer(x)),
    ("Softmax(dim=1)", lambda dl: dl.Softmax(dim=1), lambda layer, x: layer(x)),
    ("MSELoss()", lambda dl: dl.MSELoss(), lambda loss, x: loss(x, x)),
    ("BCEWithLogitsLoss()", lambda dl: dl.BCEWithLogitsLoss(), lambda loss, x: loss(x, x)),
]


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.complex64], ids=["int64", "bool", "complex64"])
@pytest.mark.parametrize("name, make, call", FLOATING_CHECKED, ids=[name for name, _, _ in FLOATING_CHECKED])
def test_integer_boolean_and_complex_input_is_refused_instead_of_truncated(dl, name, make, call, dtype):
    x = dl.asarray(np.ones((N, 3)).astype(dtype))
    with pytest.raises(TypeError, match=re.escape(f"{name} expected a floating-point input, got dtype")):
        call(make(dl), x)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@pytest.mark.parametrize("make", [lambda dl: dl.Linear(3, 2, seed=0), lambda dl: dl.Conv2d(3, 2, 1, seed=0),
                                  lambda dl: dl.BatchNorm1d(3), lambda dl: dl.GRU(3, 2, seed=0)],
                         ids=["Linear", "Conv2d", "BatchNorm1d", "GRU"])
def test_input_of_another_float_dtype_than_the_parameters_is_refused_as_torch_refuses_it(dl, make, dtype):
    layer = make(dl)
    shape = {"Conv2d": (N, 3, 2, 2), "GRU": (N, 2, 3)}.get(type(layer).__name__, (N, 3))
    with pytest.raises(TypeError, match=f"expected input of dtype float32 \\(its parameters'\\), got {dtype}"):
        layer(dl.asarray(np.ones(shape), dtype=dtype))


def test_an_activation_keeps_a_float16_input_in_float16_as_torch(dl, torch):
    x = np.linspace(-3, 3, 12, dtype=np.float16).reshape(3, 4)
    y = dl.GELU()(dl.asarray(x, dtype="float16"))
    expected = torch.nn.functional.gelu(torch.as_tensor(x)).numpy()
    assert dl.to_numpy(y).dtype == np.float16
    np.testing.assert_allclose(dl.to_numpy(y), expected, rtol=1e-2, atol=1e-3)   # float16: 11 bits


def test_mse_of_an_integer_prediction_is_refused_not_zero(dl):
    with pytest.raises(TypeError, match=re.escape("MSELoss() expected a floating-point input, got dtype int64")):
        dl.MSELoss()(dl.asarray(np.array([1, 2])), dl.asarray(np.array([1.4, 2.4])))


def test_a_complex_target_is_refused(dl):
    with pytest.raises(TypeError, match=re.escape("MSELoss() expected a real-valued target")):
        dl.MSELoss()(zeros(dl, N, 2), dl.asarray(np.ones((N, 2), dtype=np.complex64)))


# --- loss weights (issue 11) ----------------------------------------------------------------------


@pytest.mark.parametrize("weight_shape", [(3,), (5,), (4, 1)])
def test_cross_entropy_class_weights_of_another_length_name_the_expected_and_given_shape(dl, weight_shape):
    loss_fn = dl.CrossEntropyLoss(weight=dl.asarray(np.ones(weight_shape)))
    with pytest.raises(ShapeError, match=re.escape(f"CrossEntropyLoss() expected weight of shape (4,), one per "
                                                   f"class of the input, got {weight_shape}")):
        loss_fn(zeros(dl, N, 4), class_indices(dl, 0, 1, 2, 3))


@pytest.mark.parametrize("argument", ["weight", "pos_weight"])
@pytest.mark.parametrize("shape", [(3,), (2, 4, 4), (5, 4)])
def test_bce_weights_that_do_not_broadcast_to_the_input_are_refused(dl, argument, shape):
    loss_fn = dl.BCEWithLogitsLoss(**{argument: dl.asarray(np.ones(shape))})
    with pytest.raises(ShapeError, match=re.escape(f"BCEWithLogitsLoss() expected {argument} broadcastable to the "
                                                   f"input's shape (4, 4), got {shape}")):
        loss_fn(zeros(dl, N, 4), zeros(dl, N, 4))


def test_bce_weights_that_broadcast_are_taken_as_torch_takes_them(dl, torch):
    x, target = np.random.default_rng(0).normal(size=(N, 4)), np.random.default_rng(1).random((N, 4))
    weight, pos_weight = np.arange(1.0, 5.0).reshape(N, 1), np.array([1.0, 2.0, 0.5, 3.0])
    ours = dl.BCEWithLogitsLoss(weight=dl.asarray(weight), pos_weight=dl.asarray(pos_weight))(
        dl.asarray(x), dl.asarray(target))
    theirs = torch.nn.BCEWithLogitsLoss(weight=torch.as_tensor(weight), pos_weight=torch.as_tensor(pos_weight))(
        torch.as_tensor(x), torch.as_tensor(target))
    np.testing.assert_allclose(float(dl.to_numpy(ours)), float(theirs), rtol=1e-6)


# --- empty batches (issue 11) ---------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["MSELoss", "BCEWithLogitsLoss"])
def test_the_mean_loss_of_an_empty_batch_is_refused_instead_of_nan(dl, loss):
    with pytest.raises(ValueError, match=re.escape(f"{loss}() has nothing to average with reduction='mean': "
                                                   "an empty batch (torch returns nan)")):
        getattr(dl, loss)()(zeros(dl, 0, 3), zeros(dl, 0, 3))


def test_the_mean_cross_entropy_of_an_empty_batch_is_refused(dl):
    with pytest.raises(ValueError, match="has nothing to average"):
        dl.CrossEntropyLoss()(zeros(dl, 0, 3), dl.asarray(np.zeros(0, dtype=np.int64)))


def test_the_summed_loss_of_an_empty_batch_is_zero_as_torch(dl):
    assert float(dl.to_numpy(dl.MSELoss(reduction="sum")(zeros(dl, 0, 3), zeros(dl, 0, 3)))) == 0.0


# --- arrays, lists and views (issue 11) -----------------------------------------------------------


def test_a_list_is_refused_as_torch_nn_refuses_it(dl):
    array_name = "a NumPy array" if dl.name == "numpy" else "a torch.Tensor"
    with pytest.raises(TypeError, match=re.escape(f"Linear(2, 1) expected input as {array_name}, got list: "
                                                  "use dl.asarray(x)")):
        dl.Linear(2, 1, seed=0)([[1.0, 2.0]])


def test_a_torch_tensor_given_to_the_numpy_backend_is_refused_naming_dl_asarray(dl_np, torch):
    with pytest.raises(TypeError, match=re.escape("Linear(2, 1) expected input as a NumPy array, got torch.Tensor: "
                                                  "use dl.asarray(x)")):
        dl_np.Linear(2, 1, seed=0)(torch.ones(3, 2))


def test_a_numpy_array_given_to_the_torch_backend_is_refused_naming_dl_asarray(dl_torch):
    with pytest.raises(TypeError, match=re.escape("MSELoss() expected input as a torch.Tensor, got numpy.ndarray")):
        dl_torch.MSELoss()(dl_torch.asarray(np.zeros(3)), np.zeros(3, dtype=np.float32))


def test_a_foreign_array_inside_an_lstm_state_is_refused(dl_np, torch):
    state = (np.zeros((1, N, 3), np.float32), torch.zeros(1, N, 3))
    with pytest.raises(TypeError, match=re.escape("LSTM(2, 3) expected input as a NumPy array, got torch.Tensor")):
        dl_np.LSTM(2, 3, seed=0)(zeros(dl_np, N, 5, 2), state)


@pytest.mark.parametrize("make, shape", [(lambda dl: dl.Linear(4, 3, seed=0), (N, 4)),
                                         (lambda dl: dl.Conv2d(2, 3, 3, padding=1, seed=0), (2, 2, 5, 6)),
                                         (lambda dl: dl.MaxPool2d(2), (2, 2, 4, 6)),
                                         (lambda dl: dl.LSTM(4, 3, seed=0), (2, 5, 4))],
                         ids=["Linear", "Conv2d", "MaxPool2d", "LSTM"])
def test_a_non_contiguous_view_gives_the_contiguous_arrays_result(dl, make, shape):
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    wide = dl.asarray(np.repeat(x, 2, axis=-1))[..., ::2]                # a strided view of the same values
    first, second = make(dl), make(dl)
    view_out, copy_out = first(wide), second(dl.asarray(x))
    view_out, copy_out = (view_out[0], copy_out[0]) if isinstance(view_out, tuple) else (view_out, copy_out)
    np.testing.assert_array_equal(dl.to_numpy(view_out), dl.to_numpy(copy_out))
    np.testing.assert_array_equal(dl.to_numpy(first.backward(dl.asarray(np.ones(tuple(view_out.shape))))),
                                  dl.to_numpy(second.backward(dl.asarray(np.ones(tuple(copy_out.shape))))))


# --- other odd input (issue 11) -------------------------------------------------------------------


def test_softmax_over_an_axis_the_input_lacks_names_the_axis_and_the_shape(dl):
    with pytest.raises(ShapeError, match=re.escape("Softmax(dim=1) expected an input with axis dim=1 (in [-1, 0]), "
                                                   "got shape (4,)")):
        dl.Softmax(dim=1)(zeros(dl, N))


@pytest.mark.parametrize("make", [lambda dl: dl.RNN(2, 3, seed=0), lambda dl: dl.LastTimeStep()],
                         ids=["RNN", "LastTimeStep"])
def test_a_sequence_without_time_steps_is_refused(dl, make):
    layer = make(dl)
    with pytest.raises(ShapeError, match=re.escape("with at least one time step (T > 0) on axis 1, got shape")):
        layer(zeros(dl, N, 0, 2))


def test_batch_norm_without_running_statistics_needs_two_values_per_channel_in_eval_mode_too(dl):
    layer = dl.BatchNorm1d(3, track_running_stats=False).eval()
    with pytest.raises(ShapeError, match=re.escape("BatchNorm1d(3) expected more than 1 value per channel when "
                                                   "normalizing with batch statistics")):
        layer(zeros(dl, 1, 3))


def test_max_pool_sends_a_nan_windows_gradient_to_its_nan_as_torch(dl_np, torch):
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    pool = dl_np.MaxPool2d(2)
    grad = pool.backward(np.ones_like(pool(x)))
    twin = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(twin, 2).sum().backward()
    np.testing.assert_array_equal(grad, twin.grad.numpy())


# --- load_state_dict (issue 11) -------------------------------------------------------------------


def test_load_state_dict_lists_missing_and_unexpected_keys_and_shape_mismatches_as_torch(dl):
    layer = dl.Linear(3, 2, seed=0)
    with pytest.raises(RuntimeError) as error:
        layer.load_state_dict({"weight": np.zeros((2, 4)), "extra": np.zeros(1)})
    lines = str(error.value).split("\n\t")
    assert lines[0] == "Error(s) in loading state_dict for Linear:"
    assert lines[1] == 'Missing key(s) in state_dict: "bias". '
    assert lines[2] == 'Unexpected key(s) in state_dict: "extra". '
    assert lines[3].startswith("size mismatch for weight: copying a param with shape ")
    assert "(2, 4)" in lines[3].replace("torch.Size([2, 4])", "(2, 4)")


def test_non_strict_load_state_dict_still_refuses_a_shape_mismatch_as_torch(dl):
    layer = dl.Linear(3, 2, seed=0)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        layer.load_state_dict({"weight": np.zeros((2, 4))}, strict=False)


def test_load_state_dict_copies_the_matching_keys_before_raising_as_torch(dl_np):
    layer = dl_np.Linear(3, 2, seed=0)
    with pytest.raises(RuntimeError):
        layer.load_state_dict({"weight": np.zeros((2, 4)), "bias": np.ones(2)})
    np.testing.assert_array_equal(layer.bias.data, np.ones(2))


def test_load_state_dict_of_a_value_that_is_no_array_names_the_key(dl_np):
    with pytest.raises(RuntimeError, match='While copying the parameter named "weight", expected an array'):
        dl_np.Linear(3, 2, seed=0).load_state_dict({"weight": "abc", "bias": np.zeros(2)})


def test_load_state_dict_of_something_that_is_no_dict_is_a_type_error(dl_np):
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        dl_np.Linear(3, 2, seed=0).load_state_dict([("weight", np.zeros((2, 3)))])


# --- optimizers as torch.optim (issue 11) ---------------------------------------------------------


@pytest.mark.parametrize("optimizer, setting", [("Adam", dict(lr=np.nan)), ("Adam", dict(weight_decay=np.nan)),
                                                ("RMSprop", dict(alpha=np.nan)), ("AdamW", dict(eps=-1.0))])
def test_settings_torch_optim_refuses_are_refused_with_its_message(dl, torch, optimizer, setting):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, optimizer)(torch.nn.Linear(2, 2).parameters(), **setting)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
        getattr(dl, optimizer)(dl.Linear(2, 2, seed=0).parameters(), **setting)


def test_a_nan_learning_rate_is_accepted_by_sgd_as_torch_optim_accepts_it(dl):
    assert np.isnan(dl.SGD(dl.Linear(2, 2, seed=0).parameters(), lr=np.nan).lr)


def test_an_empty_parameter_list_has_torchs_message(dl):
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        dl.Adam([])


def test_a_single_parameter_instead_of_a_list_is_refused_as_torch(dl):
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable"):
        dl.SGD(dl.Linear(2, 2, seed=0).weight, lr=0.1)


def test_arrays_instead_of_parameters_are_refused_naming_their_kind(dl_np):
    with pytest.raises(TypeError, match=re.escape("optimizer can only optimize Parameters, but one of the params is "
                                                  "numpy.ndarray")):
        dl_np.SGD([np.zeros(2)], lr=0.1)


def test_a_parameter_group_holding_a_set_is_refused_as_torch(dl):
    with pytest.raises(TypeError, match="need to be organized in ordered collections"):
        dl.SGD([{"params": set(dl.Linear(2, 2, seed=0).parameters())}], lr=0.1)


def test_duplicated_parameters_warn_as_torch(dl):
    params = list(dl.Linear(2, 2, seed=0).parameters())
    with pytest.warns(UserWarning, match="duplicate parameters"):
        dl.SGD(params + params[:1], lr=0.1)
