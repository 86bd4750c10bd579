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
