"""The n-gram baseline: add-k probabilities as counted by hand, distributions that sum to 1, a loss that
agrees with its probabilities, finite for unseen pairs; on Tiny Shakespeare a bigram beats a unigram."""

import math

import numpy as np
import pytest

from dlbook.data import tiny_shakespeare_split
from dlbook.text import CharTokenizer, NGramModel

IDS = [0, 1, 0, 1, 2, 0, 1]          # V = 3: after 0 always 1; after 1: 0 once, 2 once; after 2: 0 once


def test_bigram_probabilities_are_add_k_counts():
    model = NGramModel(2, vocab_size=3, smoothing=1.0).fit(IDS)
    np.testing.assert_array_equal(model.counts([0]), [0, 3, 0])
    np.testing.assert_allclose(model.probabilities([0]), [1 / 6, 4 / 6, 1 / 6])      # (c + 1) / (3 + 3)
    np.testing.assert_allclose(model.probabilities([1]), [2 / 5, 1 / 5, 2 / 5])
    np.testing.assert_allclose(model.probabilities([2, 2, 1]), model.probabilities([1]))  # the last token counts
    np.testing.assert_allclose(NGramModel(2, 3, smoothing=0.5).fit(IDS).probabilities([2]), [1.5 / 2.5, .5 / 2.5,
                                                                                             .5 / 2.5])


def test_unigram_probabilities_are_smoothed_frequencies():
    model = NGramModel(1, vocab_size=4, smoothing=1.0).fit(IDS)
    np.testing.assert_allclose(model.probabilities([]), [4 / 11, 4 / 11, 2 / 11, 1 / 11])   # (c + 1) / (7 + 4)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_every_distribution_sums_to_one(n):
    ids = np.random.default_rng(n).integers(0, 7, size=300)
    model = NGramModel(n, vocab_size=7, smoothing=0.1).fit(ids)
    for start in range(0, 200, 13):
        probabilities = model.probabilities(ids[start:start + n - 1])
        assert probabilities.shape == (7,) and (probabilities > 0).all()
        assert math.isclose(probabilities.sum(), 1.0, rel_tol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_the_loss_is_the_mean_nll_of_the_probabilities(n):
    train = np.random.default_rng(0).integers(0, 5, size=200)
    test = np.random.default_rng(1).integers(0, 5, size=40)
    model = NGramModel(n, vocab_size=5, smoothing=0.3).fit(train)
    expected = [-math.log(model.probabilities(test[t - n + 1:t])[test[t]]) for t in range(n - 1, len(test))]
    np.testing.assert_allclose(-model.log_prob(test), expected, rtol=1e-12)
    assert math.isclose(model.loss(test), float(np.mean(expected)), rel_tol=1e-12)


def test_unseen_pairs_stay_finite_and_a_uniform_model_scores_log_v():
    model = NGramModel(2, vocab_size=50, smoothing=1.0).fit([1, 2, 1, 2])
    assert math.isfinite(model.loss([7, 9, 11]))
    assert math.isclose(NGramModel(3, vocab_size=50).loss([7, 9, 11, 3]), math.log(50))   # nothing counted yet


def test_a_large_vocabulary_trigram_is_sparse():
    ids = np.random.default_rng(0).integers(0, 50_000, size=5000)
    model = NGramModel(3, vocab_size=50_000).fit(ids)
    assert len(model.ngram_keys) <= 5000 - 2
    assert math.isclose(model.probabilities(ids[:2]).sum(), 1.0)


@pytest.mark.parametrize(("arguments", "message"), [
    ((0, 10), "n must be an integer >= 1"),
    ((2, 0), "vocab_size must be an integer >= 1"),
    ((2, 10, 0), "smoothing"),
    ((2, 10, -1.0), "smoothing"),
    ((2, 10, float("nan")), "smoothing"),
    ((7, 2 ** 10), "below 2\\*\\*63"),
])
def test_bad_models_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        NGramModel(*arguments)


def test_bad_ids_and_contexts_are_refused():
    model = NGramModel(3, vocab_size=3).fit(IDS)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        model.fit([0, 1, 3])
    with pytest.raises(ValueError, match="last 2 tokens"):
        model.probabilities([1])
    with pytest.raises(ValueError, match="at least 3 token ids"):
        model.loss([0, 1])


@pytest.fixture(scope="module")
def shakespeare_ids():
    train, val = tiny_shakespeare_split()
    tokenizer = CharTokenizer(train)
    return tokenizer.vocab_size, np.array(tokenizer.encode(train)), np.array(tokenizer.encode(val))


def test_on_tiny_shakespeare_a_bigram_beats_a_unigram_beats_uniform(shakespeare_ids):
    vocab_size, train, val = shakespeare_ids
    unigram = NGramModel(1, vocab_size).fit(train).loss(val)
    bigram = NGramModel(2, vocab_size).fit(train).loss(val)
    assert bigram < unigram < math.log(vocab_size), (bigram, unigram)         # measured: 2.48 < 3.35 < 4.17 nats
    assert 2.3 < bigram < 2.6 and 3.2 < unigram < 3.5
