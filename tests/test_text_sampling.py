"""Sampling the next token: temperature 0 is the argmax, top-k never leaves the top k (ties at the cut
kept, as the torch recipe does), the distribution equals torch.softmax(logits / T), draws follow it,
a seed makes them repeat, and bad arguments are refused with messages that say what is wrong."""

import math

import numpy as np
import pytest

from dlbook.text import next_token_distribution, sample_next

LOGITS = np.array([[0.5, 2.0, -1.0, 1.5, 0.0, 3.0, -2.0, 1.0],
                   [3.0, -1.0, 0.2, 0.1, 2.5, -0.5, 1.9, 0.0]])        # (N, V) = (2, 8), no ties


def test_temperature_zero_is_the_argmax():
    np.testing.assert_array_equal(sample_next(LOGITS, temperature=0, generator=0), [5, 0])
    np.testing.assert_array_equal(next_token_distribution(LOGITS[0], temperature=0), np.eye(8)[5])
    assert sample_next([1.0, 4.0, 4.0, 0.0], temperature=0) == 1                    # a tie: the first, as argmax
    rng = np.random.default_rng(0)
    for _ in range(20):
        logits = rng.normal(size=(3, 50))
        np.testing.assert_array_equal(sample_next(logits, temperature=0, top_k=5, generator=rng),
                                      logits.argmax(axis=1))


@pytest.mark.parametrize("top_k", [1, 2, 3, 7])
def test_top_k_never_samples_outside_the_top_k(top_k):
    top = set(np.argsort(-LOGITS[1])[:top_k].tolist())
    draws = sample_next(np.repeat(LOGITS[1:], 4000, axis=0), temperature=2.0, top_k=top_k, generator=0)
    assert set(draws.tolist()) == top                                   # every one of the top k, nothing else
    probabilities = next_token_distribution(LOGITS, temperature=2.0, top_k=top_k)
    assert ((probabilities > 0).sum(axis=1) == top_k).all()


def test_top_k_keeps_ties_at_the_cut_like_the_torch_recipe():
    probabilities = next_token_distribution([1.0, 3.0, 2.0, 2.0, 0.0], top_k=2)
    assert (probabilities > 0).tolist() == [False, True, True, True, False]


def test_the_distribution_equals_torch_softmax_of_logits_over_temperature():
    torch = pytest.importorskip("torch")
    logits = np.random.default_rng(0).normal(size=(6, 30)) * 2
    logits[0, :4] = logits[0, 4]                                        # ties at the cut in one row
    for temperature in (0.3, 1.0, 2.5):
        for top_k in (None, 1, 5, 30):
            masked = torch.from_numpy(logits.copy())
            if top_k is not None:                                       # the usual torch recipe (nanoGPT)
                kth = torch.topk(masked, top_k, dim=-1).values[:, -1:]
                masked[masked < kth] = -float("inf")
            expected = torch.softmax(masked / temperature, dim=-1).numpy()
            np.testing.assert_allclose(next_token_distribution(logits, temperature, top_k), expected,
                                       rtol=1e-10, atol=1e-15)


def test_draws_follow_the_distribution():
    probabilities = next_token_distribution(LOGITS[0], temperature=1.3, top_k=6)
    draws = sample_next(np.tile(LOGITS[0], (40_000, 1)), temperature=1.3, top_k=6, generator=1)
    frequencies = np.bincount(draws, minlength=8) / len(draws)
    np.testing.assert_allclose(frequencies, probabilities, atol=0.01)


def test_low_temperature_sharpens_and_high_flattens():
    def entropy(p):
        return -sum(x * math.log(x) for x in p if x > 0)

    entropies = [entropy(next_token_distribution(LOGITS[0], temperature)) for temperature in (0.2, 1.0, 5.0, 100.0)]
    assert entropies == sorted(entropies) and entropies[-1] > 0.99 * math.log(8)


def test_a_seed_repeats_the_draws():
    first = sample_next(np.tile(LOGITS, (50, 1)), generator=42)
    np.testing.assert_array_equal(first, sample_next(np.tile(LOGITS, (50, 1)), generator=42))
    assert not np.array_equal(first, sample_next(np.tile(LOGITS, (50, 1)), generator=43))
    assert isinstance(sample_next(LOGITS[0], generator=0), int)


def test_a_minus_inf_logit_is_never_drawn():
    logits = np.array([0.0, -np.inf, 0.0, -np.inf])
    draws = sample_next(np.tile(logits, (2000, 1)), generator=0)
    assert set(draws.tolist()) == {0, 2}
    assert sample_next(logits, temperature=1e-300, generator=0) in (0, 2)             # tiny T: no overflow


@pytest.mark.parametrize(("arguments", "message"), [
    ({"temperature": -0.5}, "temperature must be a finite number >= 0"),
    ({"temperature": math.nan}, "temperature"),
    ({"temperature": math.inf}, "temperature"),
    ({"top_k": 0}, r"top_k must be None or an integer in \[1, 8\]"),
    ({"top_k": 9}, r"\[1, 8\]"),
    ({"top_k": 2.0}, "top_k"),
    ({"top_k": True}, "top_k"),
])
def test_bad_arguments_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        next_token_distribution(LOGITS, **arguments)
    with pytest.raises(ValueError, match=message):
        sample_next(LOGITS, generator=0, **arguments)


@pytest.mark.parametrize(("logits", "message"), [
    ([0.0, math.nan, 1.0], r"NaN at \(1,\)"),
    ([[0.0, 1.0], [math.inf, 0.0]], r"\+inf at \(1, 0\)"),
    ([-math.inf, -math.inf], "-inf everywhere"),
    (np.zeros((2, 3, 4)), r"\(V,\) or \(N, V\)"),
    ([], r"\(V,\) or \(N, V\)"),
])
def test_bad_logits_are_refused(logits, message):
    with pytest.raises(ValueError, match=message):
        sample_next(logits, generator=0)
