"""Gradient checks: every layer's and every loss's hand-written (NumPy) or autograd (torch) backward
against central differences, on both backends, in float64, for every case of the test catalogue
(tests/catalogue.py); and gradcheck itself, which must fail on a wrong backward.

Tolerance: in float64, central differences with eps = 1e-6 carry a truncation error ~ eps^2 f''' ~ 1e-12
and a rounding error ~ 1e-16 |f| / eps ~ 1e-10, so a right backward measures 1e-11 .. 1e-9 (relative).
A wrong one (a forgotten factor, a sign, a missing term) gives 1e-2 .. 1. 1e-6 separates the two.
"""

import numpy as np
import pytest
from catalogue import LAYERS, LOSSES, params, returns_states, single_output

import dlbook.numpy as dl_numpy
from dlbook.gradcheck import gradcheck, gradcheck_report, numerical_gradient, relative_error

TOL = 1e-6          # float64 relative error of a right backward: ~1e-10 (see the module docstring)
WRONG = 1e-2        # what a wrong backward gives at least


@pytest.fixture(autouse=True)
def _float64(float64):
    """Gradient checks run in float64: parameters are drawn and kept in float64 from the start."""


@pytest.mark.parametrize("case", params(LAYERS))
def test_layer_backward_matches_finite_differences(dl, case):
    layer = case.build(dl)
    report = gradcheck_report(single_output(dl, layer) if returns_states(case) else layer,
                              input_shape=case.input_shape)
    assert max(report.values()) < TOL, report


@pytest.mark.parametrize("case", params([case for case in LAYERS if returns_states(case)]))
def test_gradcheck_takes_a_recurrent_layers_tuple_output_and_checks_each_output(dl, case):
    report = gradcheck_report(case.build(dl), input_shape=case.input_shape)
    n_outputs = 3 if case.cls == "LSTM" else 2                     # out, h_n (and c_n)
    assert {key.rsplit(" via output ", 1)[1] for key in report} == {str(k) for k in range(n_outputs)}
    assert max(report.values()) < TOL, report


class RNNWithoutTheFinalStatesGradient(dl_numpy.RNN):
    """A backward that drops dL/dh_n: right through `out`, wrong through the final state."""

    def backward(self, grad_out, grad_h_n=None):
        return super().backward(grad_out, None)


def test_gradcheck_of_a_tuple_output_catches_a_wrong_gradient_through_one_output():
    report = gradcheck_report(RNNWithoutTheFinalStatesGradient(3, 4, seed=0), input_shape=(2, 5, 3))
    assert report["input via output 0"] < TOL and report["input via output 1"] > WRONG


def test_gradcheck_checks_every_parameter_of_a_model(dl):
    model = dl.Sequential(dl.Linear(4, 8, seed=0), dl.BatchNorm1d(8), dl.ReLU(), dl.Linear(8, 3, seed=2))
    report = gradcheck_report(model, input_shape=(6, 4))
    assert set(report) == {"input", "0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"}


@pytest.mark.parametrize("case", params(LOSSES))
def test_loss_backward_matches_finite_differences(dl, case):
    error = gradcheck(case.build(dl), case.input, dl.asarray(case.target))
    assert error < TOL


# ---------------------------------------------------------------- gradcheck can fail


class LinearForgettingX(dl_numpy.Linear):
    """dL/dW = delta^T x with the factor x forgotten: a wrong backward that gradcheck must catch."""

    def backward(self, grad_out):
        self.weight.accumulate_grad(grad_out.T @ np.ones_like(self.x))      # wrong: delta^T 1
        self.bias.accumulate_grad(grad_out.sum(axis=0))
        return grad_out @ self.weight.data


class LinearWithoutBiasGrad(dl_numpy.Linear):
    """A backward that never fills bias.grad: gradcheck counts the missing gradient as zeros."""

    def backward(self, grad_out):
        self.weight.accumulate_grad(grad_out.T @ self.x)
        return grad_out @ self.weight.data


class SigmoidForgettingOneMinusY(dl_numpy.Sigmoid):
    """f'(x) = y (1 - y) with (1 - y) forgotten."""

    def backward(self, grad_out):
        return grad_out * self.y


def test_gradcheck_catches_a_backward_that_forgets_a_factor():
    assert gradcheck(LinearForgettingX(4, 3, seed=0), input_shape=(5, 4)) > WRONG


def test_gradcheck_report_names_the_wrong_gradient_only():
    report = gradcheck_report(LinearForgettingX(4, 3, seed=0), input_shape=(5, 4))
    assert report["weight"] > WRONG
    assert report["input"] < TOL and report["bias"] < TOL


def test_gradcheck_counts_a_missing_parameter_gradient_as_wrong():
    report = gradcheck_report(LinearWithoutBiasGrad(4, 3, seed=0), input_shape=(5, 4))
    assert report["bias"] == pytest.approx(1.0)      # ||0 - n|| / ||n||
    assert report["weight"] < TOL


def test_gradcheck_catches_a_wrong_activation_derivative():
    assert gradcheck(SigmoidForgettingOneMinusY(), input_shape=(5, 4)) > WRONG


def test_gradcheck_casts_a_float32_layer_to_float64(dl):
    dl.set_default_dtype(np.float32)
    layer = dl.Linear(4, 3, seed=0)
    assert gradcheck(layer, input_shape=(5, 4)) < TOL
    assert str(dl.to_numpy(layer.weight).dtype) == "float64"


# ---------------------------------------------------------------- numerical_gradient, relative_error


def test_numerical_gradient_of_a_cubic_is_three_v_squared():
    values = np.random.default_rng(0).standard_normal((3, 4))
    numerical = numerical_gradient(lambda: float((values**3).sum()), values)
    # central differences: error ~ eps^2 |f'''| + 1e-16 |f| / eps ~ 1e-10, far below 1e-7
    np.testing.assert_allclose(numerical, 3 * values**2, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_restores_the_values_it_perturbs():
    values = np.random.default_rng(0).standard_normal(5)
    original = values.copy()
    numerical_gradient(lambda: float(np.sin(values).sum()), values)
    np.testing.assert_array_equal(values, original)


def test_numerical_gradient_returns_float64_of_the_values_shape():
    values = np.zeros((2, 3, 1))
    numerical = numerical_gradient(lambda: float(values.sum()), values)
    assert numerical.shape == (2, 3, 1) and numerical.dtype == np.float64
    np.testing.assert_allclose(numerical, 1.0, rtol=1e-9)


def test_numerical_gradient_perturbs_a_torch_tensor_in_place(torch):
    values = torch.linspace(-1, 1, 6, dtype=torch.float64).reshape(2, 3)
    original = values.clone()
    numerical = numerical_gradient(lambda: float(torch.exp(values).sum()), values)
    np.testing.assert_allclose(numerical, np.exp(original.numpy()), rtol=1e-8)
    assert torch.equal(values, original)


def test_numerical_gradient_sees_only_the_element_it_perturbs():
    values = np.array([1.0, 2.0, 3.0])
    numerical = numerical_gradient(lambda: float(values[1] ** 2), values)
    np.testing.assert_allclose(numerical, [0.0, 4.0, 0.0], atol=1e-8)


@pytest.mark.parametrize("analytic, numerical, expected", [
    pytest.param([1.0, 2.0], [1.0, 2.0], 0.0, id="equal-is-0"),
    pytest.param([1.0, 2.0], [-1.0, -2.0], 1.0, id="opposite-is-1"),
    pytest.param([1.0, 2.0], [2.0, 4.0], 1 / 3, id="twice-is-one-third"),
    pytest.param([0.0, 0.0], [0.0, 0.0], 0.0, id="both-zero-is-0"),
    pytest.param([0.0, 0.0], [1e-3, 0.0], 1.0, id="zero-vs-anything-is-1"),
])
def test_relative_error(analytic, numerical, expected):
    assert relative_error(analytic, numerical) == pytest.approx(expected, abs=1e-15)


def test_relative_error_does_not_depend_on_the_scale():
    analytic, numerical = np.array([1.0, -2.0, 3.0]), np.array([1.1, -2.0, 2.9])
    assert relative_error(1e-8 * analytic, 1e-8 * numerical) == pytest.approx(relative_error(analytic, numerical))
    assert relative_error(1e8 * analytic, 1e8 * numerical) == pytest.approx(relative_error(analytic, numerical))


def test_relative_error_is_symmetric_and_takes_any_array_like(torch):
    analytic, numerical = [[1.0, 2.0]], torch.tensor([[1.5, 2.0]], dtype=torch.float64)
    assert relative_error(analytic, numerical) == relative_error(numerical, analytic) == pytest.approx(
        0.5 / (np.sqrt(5) + np.sqrt(6.25)))
