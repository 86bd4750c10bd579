"""dlbook.experiments.language_models (the chapter "Text as data"): context windows, the counting bigram
loss as the floor of every bigram network, training that reaches it, the MLP language model's shapes and
learning, seeded generation, cosine neighbours and PCA. (tests/test_language_models.py tests the GPT.)"""

import numpy as np
import pytest

from dlbook.experiments.language_models import (
    bigram_counts,
    bigram_network,
    context_windows,
    cosine_similarities,
    counting_loss,
    embedding_neighbours,
    generate,
    language_model_loss,
    next_token_logits,
    pca_2d,
    table_loss,
    train_language_model,
)
from dlbook.models import mlp_language_model
from dlbook.text import NGramModel

V = 5
IDS = np.random.default_rng(0).choice(V, size=3000, p=[0.4, 0.3, 0.15, 0.1, 0.05])
PERIODIC = np.tile(np.arange(V), 400)                # 0 1 2 3 4 0 1 ...: the next id is determined


def test_context_windows_pair_each_target_with_the_k_ids_before_it():
    X, Y = context_windows([3, 1, 4, 1, 5, 9], 2)
    assert X.tolist() == [[3, 1], [1, 4], [4, 1], [1, 5]] and Y.tolist() == [4, 1, 5, 9]
    with pytest.raises(ValueError, match="context_length"):
        context_windows([1, 2], 2)


def test_bigram_counts_count_every_pair_once():
    counts = bigram_counts([0, 1, 0, 1, 1], 2)
    assert counts.tolist() == [[0, 2], [1, 1]] and counts.sum() == 4


def test_the_counting_loss_is_the_limit_of_ngram_smoothing_and_refuses_unseen_pairs():
    counts = bigram_counts(IDS, V)
    nearly_unsmoothed = NGramModel(2, V, smoothing=1e-9).fit(IDS).loss(IDS)
    assert abs(counting_loss(counts, IDS) - nearly_unsmoothed) < 1e-6
    with pytest.raises(ValueError, match="never counted"):
        counting_loss(bigram_counts([0, 1], 2), [1, 0])


def test_table_loss_of_the_log_relative_counts_is_the_counting_loss_and_zero_logits_give_log_v():
    counts = bigram_counts(IDS, V)
    log_table = np.log(np.maximum(counts, 1e-300) / counts.sum(axis=1, keepdims=True))
    assert abs(table_loss(log_table, counts) - counting_loss(counts, IDS)) < 1e-9
    assert abs(table_loss(np.zeros((V, V)), counts) - np.log(V)) < 1e-12


def test_no_bigram_table_beats_the_counts_on_the_text_they_came_from():
    counts, rng = bigram_counts(IDS, V), np.random.default_rng(1)
    floor = counting_loss(counts, IDS)
    assert all(table_loss(rng.standard_normal((V, V)), counts) > floor for _ in range(20))


def test_the_bigram_network_starts_uniform_and_trains_down_to_the_counting_loss(dl):
    X, Y = context_windows(IDS, 1)
    network = bigram_network(dl, V)
    assert abs(language_model_loss(network, X[:, 0], Y) - np.log(V)) < 1e-6          # zero logits: log V
    train_language_model(network, X[:, 0], Y, epochs=20, batch_size=500, lr=0.1)
    floor = counting_loss(bigram_counts(IDS, V), IDS)
    reached = language_model_loss(network, X[:, 0], Y)
    assert -1e-5 < reached - floor < 0.01                   # from above (float32), within 0.01 nats
    assert abs(reached - table_loss(dl.to_numpy(network.weight.data), bigram_counts(IDS, V))) < 1e-5


def test_the_mlp_language_model_maps_k_ids_to_v_logits_and_learns_a_periodic_sequence(dl):
    model = mlp_language_model(dl, V, context_length=3, embedding_dim=4, hidden_size=16, seed=0)
    X, Y = context_windows(PERIODIC, 3)
    assert tuple(model(dl.asarray(X[:7])).shape) == (7, V)
    before = language_model_loss(model, X, Y)
    train_language_model(model, X, Y, epochs=3, batch_size=64, lr=1e-2)
    assert before > 1.0 and language_model_loss(model, X, Y) < 0.05


def test_max_examples_trains_on_a_seeded_subset(dl):
    X, Y = context_windows(IDS, 1)
    history = train_language_model(bigram_network(dl, V), X[:, 0], Y, batch_size=100, max_examples=300)
    assert history.epochs == 1 and np.isfinite(history.train_loss[0])


def test_generate_is_seeded_and_follows_a_determined_sequence_at_temperature_zero(dl):
    model = mlp_language_model(dl, V, context_length=3, embedding_dim=4, hidden_size=16, seed=0)
    X, Y = context_windows(PERIODIC, 3)
    train_language_model(model, X, Y, epochs=3, batch_size=64, lr=1e-2)
    greedy = generate(model, [0, 1, 2], 12, context_length=3, temperature=0)
    assert greedy.tolist() == list(np.arange(15) % V)
    drawn = generate(model, [0, 1, 2], 20, context_length=3, temperature=2.0, seed=4)
    assert np.array_equal(drawn, generate(model, [0, 1, 2], 20, context_length=3, temperature=2.0, seed=4))
    assert next_token_logits(model, [0, 1, 2]).shape == (V,)
    with pytest.raises(ValueError, match="at least 3"):
        generate(model, [0], 5, context_length=3)


def test_generate_with_the_bigram_network_reads_one_id(dl):
    X, Y = context_windows(PERIODIC, 1)
    network = bigram_network(dl, V)
    train_language_model(network, X[:, 0], Y, epochs=5, batch_size=100, lr=0.3)
    assert generate(network, [3], 4, context_length=1, temperature=0).tolist() == [3, 4, 0, 1, 2]


def test_cosine_neighbours_ignore_length_and_never_name_the_row_itself():
    vectors = np.array([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.5]])
    similarities = cosine_similarities(vectors)
    assert np.allclose(np.diag(similarities), 1.0)
    neighbours = embedding_neighbours(vectors, k=2)
    assert neighbours[:, 0].tolist() == [1, 0, 3, 2] and (neighbours != np.arange(4)[:, None]).all()


def test_pca_2d_finds_the_directions_of_largest_variance():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 3)) * [5.0, 2.0, 0.1] @ np.linalg.qr(rng.standard_normal((3, 3)))[0]
    projection, explained = pca_2d(x + 7.0)
    assert projection.shape == (500, 2) and np.allclose(projection.mean(axis=0), 0, atol=1e-9)
    assert explained[0] > explained[1] > 0 and explained.sum() > 0.99
    np.testing.assert_allclose(projection.var(axis=0), np.sort(np.var(x @ np.linalg.svd(
        x - x.mean(axis=0))[2].T, axis=0))[::-1][:2], rtol=1e-9)
