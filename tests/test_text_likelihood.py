"""Mean negative log-likelihood from logits and perplexity: the numbers by hand, stable for huge logits,
equal to torch's cross-entropy, and a uniform guess scoring log V and perplexity V."""

import math

import numpy as np
import pytest

from dlbook.text import log_softmax, mean_nll, perplexity


def test_mean_nll_by_hand():
    logits = np.array([[[0.0, math.log(3.0)], [math.log(4.0), 0.0]]])        # (1, 2, 2): p = (1/4, 3/4), (4/5, 1/5)
    targets = np.array([[1, 1]])
    assert math.isclose(mean_nll(logits, targets), -(math.log(3 / 4) + math.log(1 / 5)) / 2, rel_tol=1e-12)


def test_uniform_logits_give_log_v_and_perplexity_v():
    nll = mean_nll(np.zeros((3, 4, 65)), np.random.default_rng(0).integers(0, 65, size=(3, 4)))
    assert math.isclose(nll, math.log(65), rel_tol=1e-12) and math.isclose(perplexity(nll), 65, rel_tol=1e-12)


def test_log_softmax_is_stable_for_huge_logits():
    logits = np.array([[1e4, 1e4 - math.log(3.0), -1e4]])
    np.testing.assert_allclose(np.exp(log_softmax(logits)), [[3 / 4, 1 / 4, 0.0]], atol=1e-12)
    assert math.isfinite(mean_nll(logits[None], np.array([[2]])))               # 2e4 nats, not inf or nan


def test_mean_nll_equals_torch_cross_entropy():
    torch = pytest.importorskip("torch")
    logits = np.random.default_rng(0).normal(size=(4, 6, 11)) * 3
    targets = np.random.default_rng(1).integers(0, 11, size=(4, 6))
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(logits).reshape(-1, 11),
                                                 torch.from_numpy(targets).reshape(-1)).item()
    assert math.isclose(mean_nll(logits, targets), expected, rel_tol=1e-10)


@pytest.mark.parametrize(("logits", "targets", "message"), [
    (np.zeros((2, 3, 5)), np.zeros((2, 4), dtype=int), r"logits \(2, 3, 5\) and targets \(2, 4\)"),
    (np.zeros((2, 3, 5)), np.full((2, 3), 5), r"\[0, 5\)"),
    (np.zeros((2, 3, 5)), np.zeros((2, 3)), "integer"),
    (np.zeros((0, 3, 5)), np.zeros((0, 3), dtype=int), "at least one target"),
])
def test_bad_logits_and_targets_are_refused(logits, targets, message):
    with pytest.raises(ValueError, match=message):
        mean_nll(logits, targets)


def test_perplexity():
    assert perplexity(0.0) == 1.0 and math.isclose(perplexity(np.float32(math.log(7))), 7, rel_tol=1e-6)
    assert perplexity(math.inf) == math.inf and perplexity(1000.0) == math.inf
    for bad in (-0.1, math.nan, "1", True):
        with pytest.raises(ValueError, match="perplexity takes"):
            perplexity(bad)
