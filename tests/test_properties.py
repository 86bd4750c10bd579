"""Shape properties on both backends, for sizes hypothesis picks: what goes in and what comes out
of every layer, activation and loss, forward and backward: every case of the test catalogue
(tests/catalogue.py) for any batch size, and the dense layers, activations and losses for any size."""

import numpy as np
import pytest
from catalogue import LAYERS, LOSSES, example_input, outputs, params
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# 25 examples per test and backend keep the file fast; derandomize: the same examples every run.
# `dl` is a function-scoped fixture, but it only names a backend module, so sharing it between
# examples is safe.
PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture])

sizes = st.integers(min_value=1, max_value=6)
batch_sizes = st.integers(min_value=1, max_value=8)
seeds = st.integers(min_value=0, max_value=2**16)
shapes = st.lists(sizes, min_size=1, max_size=4).map(tuple)

# 5 examples per catalogue case and backend (~200 cases): batch sizes 2..8 and seeds
CATALOGUE_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=5)

# the catalogue's activations: elementwise, or along one axis (Softmax): any shape with that axis
ACTIVATIONS = [case for case in LAYERS
               if case.cls in ("Sigmoid", "Tanh", "ReLU", "LeakyReLU", "GELU", "Softmax")]


def smallest_rank(activation):
    dim = getattr(activation, "dim", None)
    return 1 if dim is None else (dim + 1 if dim >= 0 else -dim)


def normal(dl, shape, seed, scale=1.0):
    return dl.asarray(np.random.default_rng(seed).normal(0.0, scale, size=shape))


def shape_of(x):
    return tuple(np.shape(x))


# --- every catalogue case, any batch size -------------------------------------------------------


def resampled(x, axis, n, seed):
    """n samples drawn (with replacement) from the batch of x along its batch axis."""
    return np.take(x, np.random.default_rng(seed).integers(0, x.shape[axis], n), axis=axis)


@pytest.mark.parametrize("case", params(LAYERS))
@CATALOGUE_SETTINGS
@given(n=st.integers(2, 8), seed=seeds)
def test_every_layer_takes_any_batch_size_forward_and_backward(dl, case, n, seed):
    # batch of one: test_a_batch_of_one_goes_forward_and_backward (BatchNorm in training needs two)
    x_reference = example_input(case)
    reference = [shape_of(y) for y in outputs(case.build(dl)(dl.asarray(x_reference)))]
    x = resampled(x_reference, case.batch_axis, n, seed)
    layer = case.build(dl, seed)
    ys = outputs(layer(dl.asarray(x)))
    n_reference = x_reference.shape[case.batch_axis]
    for y, shape in zip(ys, reference, strict=True):           # one sample in, one sample's outputs out
        assert len(shape_of(y)) == len(shape) and np.prod(shape_of(y)) * n_reference == np.prod(shape) * n
    grad = layer.backward(*[dl.asarray(np.ones(shape_of(y))) for y in ys])
    assert shape_of(grad) == x.shape
    assert [shape_of(p.grad) for p in layer.parameters()] == [shape_of(p.data) for p in layer.parameters()]


def per_sample_loss_shape(case, input_shape):
    """reduction='none': one loss per sample (and position); CrossEntropyLoss sums over the classes (axis 1)."""
    return input_shape[:1] + input_shape[2:] if case.cls == "CrossEntropyLoss" else input_shape


@pytest.mark.filterwarnings("ignore::RuntimeWarning")     # every drawn target ignored: 0 / 0, as torch
@pytest.mark.parametrize("case", params(LOSSES))
@CATALOGUE_SETTINGS
@given(n=st.integers(1, 8), seed=seeds)
def test_every_loss_takes_any_batch_size_forward_and_backward(dl, case, n, seed):
    x, target = resampled(case.input, 0, n, seed), resampled(case.target, 0, n, seed)
    loss_fn = case.build(dl)
    loss = loss_fn(dl.asarray(x), dl.asarray(target))
    expected = () if loss_fn.reduction != "none" else per_sample_loss_shape(case, x.shape)
    assert shape_of(dl.to_numpy(loss)) == expected
    assert shape_of(loss_fn.backward(dl.asarray(np.ones(expected)))) == x.shape


# --- layers ---------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(n=batch_sizes, in_features=sizes, out_features=sizes, seed=seeds)
def test_linear_maps_n_by_in_to_n_by_out_and_backward_returns_the_inputs_shape(dl, n, in_features, out_features,
                                                                               seed):
    layer = dl.Linear(in_features, out_features, seed=seed)
    y = layer(normal(dl, (n, in_features), seed))
    assert shape_of(y) == (n, out_features)
    assert shape_of(layer.backward(dl.asarray(np.ones((n, out_features))))) == (n, in_features)


@PROPERTY_SETTINGS
@given(n=batch_sizes, t=sizes, in_features=sizes, out_features=sizes, seed=seeds)
def test_linear_maps_n_by_t_by_in_to_n_by_t_by_out_and_backward_returns_the_inputs_shape(
        dl, n, t, in_features, out_features, seed):
    layer = dl.Linear(in_features, out_features, seed=seed)
    y = layer(normal(dl, (n, t, in_features), seed))
    assert shape_of(y) == (n, t, out_features)
    assert shape_of(layer.backward(dl.asarray(np.ones((n, t, out_features))))) == (n, t, in_features)


@PROPERTY_SETTINGS
@given(n=batch_sizes, t=st.integers(0, 4), in_features=sizes, out_features=sizes, bias=st.booleans(), seed=seeds)
def test_linear_parameter_gradients_have_the_parameters_shapes(dl, n, t, in_features, out_features, bias, seed):
    layer = dl.Linear(in_features, out_features, bias=bias, seed=seed)
    leading = (n, t) if t else (n,)
    layer(normal(dl, leading + (in_features,), seed))
    layer.backward(dl.asarray(np.ones(leading + (out_features,))))
    assert [shape_of(p.grad) for p in layer.parameters()] == [shape_of(p.data) for p in layer.parameters()]


@pytest.mark.parametrize("case", params(ACTIVATIONS))
@PROPERTY_SETTINGS
@given(data=st.data(), seed=seeds)
def test_activations_preserve_the_shape_forward_and_backward(dl, case, data, seed):
    activation = case.build(dl)
    shape = data.draw(st.lists(sizes, min_size=smallest_rank(activation), max_size=4).map(tuple), label="shape")
    assert shape_of(activation(normal(dl, shape, seed))) == shape
    assert shape_of(activation.backward(dl.asarray(np.ones(shape)))) == shape


@PROPERTY_SETTINGS
@given(n=st.integers(2, 8), channels=sizes, length=st.one_of(st.none(), sizes), seed=seeds)
def test_batchnorm1d_preserves_the_shape_in_training_forward_and_backward(dl, n, channels, length, seed):
    shape = (n, channels) if length is None else (n, channels, length)
    bn = dl.BatchNorm1d(channels)
    assert shape_of(bn(normal(dl, shape, seed))) == shape
    assert shape_of(bn.backward(dl.asarray(np.ones(shape)))) == shape
    assert [shape_of(p.grad) for p in bn.parameters()] == [(channels,), (channels,)]


@PROPERTY_SETTINGS
@given(n=batch_sizes, channels=sizes, length=st.one_of(st.none(), sizes), seed=seeds)
def test_batchnorm1d_preserves_the_shape_in_eval_mode(dl, n, channels, length, seed):
    shape = (n, channels) if length is None else (n, channels, length)
    assert shape_of(dl.BatchNorm1d(channels).eval()(normal(dl, shape, seed))) == shape


@PROPERTY_SETTINGS
@given(widths=st.lists(sizes, min_size=2, max_size=5), n=batch_sizes, seed=seeds)
def test_a_sequential_of_random_widths_maps_the_first_width_to_the_last(dl, widths, n, seed):
    layers = []
    for index, (width_in, width_out) in enumerate(zip(widths, widths[1:], strict=False)):
        layers += [dl.Linear(width_in, width_out, seed=seed + index), dl.Tanh()]
    model = dl.Sequential(*layers)
    y = model(normal(dl, (n, widths[0]), seed))
    assert shape_of(y) == (n, widths[-1])
    assert shape_of(model.backward(dl.asarray(np.ones((n, widths[-1]))))) == (n, widths[0])


@PROPERTY_SETTINGS
@given(shape=st.lists(sizes, min_size=1, max_size=4).map(tuple), scale=st.sampled_from([1.0, 30.0, 1e3]),
       seed=seeds)
def test_softmax_sums_to_one_along_its_dim_even_for_large_logits(dl, shape, scale, seed):
    y = dl.to_numpy(dl.Softmax(dim=-1)(normal(dl, shape, seed, scale)))
    assert np.all(y >= 0)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-5)        # float32: ~1e-7 per term


# --- losses ---------------------------------------------------------------------------------------


def regression_pair(dl, shape, seed):
    rng = np.random.default_rng(seed)
    return dl.asarray(rng.normal(size=shape)), dl.asarray(rng.normal(size=shape))


def binary_pair(dl, shape, seed):
    rng = np.random.default_rng(seed)
    return dl.asarray(rng.normal(size=shape)), dl.asarray(rng.uniform(size=shape))


def class_index_pair(dl, shape, seed):
    """Logits (N, C, *) and class indices (N, *)."""
    rng = np.random.default_rng(seed)
    target_shape = (shape[0],) + shape[2:]
    return dl.asarray(rng.normal(size=shape)), dl.asarray(rng.integers(0, shape[1], size=target_shape))


def class_probability_pair(dl, shape, seed):
    """Logits (N, C, *) and class probabilities of the same shape."""
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.ones(shape[1]), size=(shape[0],) + shape[2:])
    return dl.asarray(rng.normal(size=shape)), dl.asarray(np.moveaxis(probabilities, -1, 1))


# (loss, a pair maker, the shape strategy, the per-element shape of 'none' given the input's shape)
LOSSES = {
    "MSELoss": ("MSELoss", regression_pair, shapes, lambda shape: shape),
    "BCEWithLogitsLoss": ("BCEWithLogitsLoss", binary_pair, shapes, lambda shape: shape),
    "CrossEntropyLoss-indices": ("CrossEntropyLoss", class_index_pair,
                                 st.lists(sizes, min_size=2, max_size=4).map(tuple),
                                 lambda shape: (shape[0],) + shape[2:]),
    "CrossEntropyLoss-probabilities": ("CrossEntropyLoss", class_probability_pair,
                                       st.lists(sizes, min_size=2, max_size=4).map(tuple),
                                       lambda shape: (shape[0],) + shape[2:]),
}


@pytest.mark.parametrize("case", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@PROPERTY_SETTINGS
@given(data=st.data(), seed=seeds)
def test_a_reduced_loss_is_a_scalar_and_backward_returns_the_inputs_shape(dl, case, reduction, data, seed):
    name, make_pair, shape_strategy, _ = LOSSES[case]
    shape = data.draw(shape_strategy, label="shape")
    loss_fn = getattr(dl, name)(reduction=reduction)
    loss = loss_fn(*make_pair(dl, shape, seed))
    assert shape_of(dl.to_numpy(loss)) == ()
    assert np.isfinite(float(dl.to_numpy(loss)))
    assert shape_of(loss_fn.backward()) == shape


@pytest.mark.parametrize("case", LOSSES)
@PROPERTY_SETTINGS
@given(data=st.data(), seed=seeds)
def test_an_unreduced_loss_has_one_value_per_element_and_backward_returns_the_inputs_shape(dl, case, data, seed):
    name, make_pair, shape_strategy, per_element_shape = LOSSES[case]
    shape = data.draw(shape_strategy, label="shape")
    loss_fn = getattr(dl, name)(reduction="none")
    losses = loss_fn(*make_pair(dl, shape, seed))
    assert shape_of(losses) == per_element_shape(shape)
    assert shape_of(loss_fn.backward(dl.asarray(np.ones(per_element_shape(shape))))) == shape


# --- batch size 1, where torch allows it ----------------------------------------------------------


@pytest.mark.parametrize("make, feature_shape", [
    (lambda dl: dl.Linear(3, 2, seed=0), (3,)),
    (lambda dl: dl.Sequential(dl.Linear(3, 4, seed=0), dl.ReLU(), dl.Linear(4, 2, seed=1)), (3,)),
    (lambda dl: dl.Softmax(dim=1), (5,)),
    (lambda dl: dl.Dropout(0.5, seed=0), (4,)),
    (lambda dl: dl.BatchNorm1d(3).eval(), (3,)),
    (lambda dl: dl.BatchNorm1d(3), (3, 4)),
], ids=["Linear", "Sequential", "Softmax", "Dropout", "BatchNorm1d-eval", "BatchNorm1d-train-with-length"])
def test_a_batch_of_one_goes_forward_and_backward(dl, make, feature_shape):
    layer = make(dl)
    y = layer(normal(dl, (1,) + feature_shape, seed=0))
    assert shape_of(layer.backward(dl.asarray(np.ones(shape_of(y))))) == (1,) + feature_shape


@pytest.mark.parametrize("name, make_pair", [
    ("MSELoss", regression_pair), ("BCEWithLogitsLoss", binary_pair), ("CrossEntropyLoss", class_index_pair),
])
def test_a_loss_over_a_batch_of_one_is_a_scalar(dl, name, make_pair):
    loss_fn = getattr(dl, name)()
    assert shape_of(dl.to_numpy(loss_fn(*make_pair(dl, (1, 4), seed=0)))) == ()
    assert shape_of(loss_fn.backward()) == (1, 4)


@PROPERTY_SETTINGS
@given(channels=sizes, length=st.one_of(st.none(), sizes), training=st.booleans())
def test_batchnorm1d_accepts_a_batch_of_one_exactly_when_torch_does(dl, torch, channels, length, training):
    shape = (1, channels) if length is None else (1, channels, length)
    twin = torch.nn.BatchNorm1d(channels).train(training)
    try:
        twin(torch.zeros(shape))
        torch_accepts = True
    except ValueError:                    # "Expected more than 1 value per channel when training"
        torch_accepts = False
    bn = dl.BatchNorm1d(channels).train(training)
    if torch_accepts:
        assert shape_of(bn(dl.asarray(np.zeros(shape)))) == shape
    else:
        with pytest.raises(dl.ShapeError, match="more than 1 value per channel"):
            bn(dl.asarray(np.zeros(shape)))
