"""The transformers experiment: score variance grows like d and 1/sqrt(d) undoes it, attention is
permutation-equivariant until positions enter, the repeated sequences repeat, the parameter count of a block
is 12 d^2 plus biases and norms, and the training, evaluation and attention-map helpers on both backends."""

import math

import numpy as np
import pytest

from dlbook.experiments import transformers as tr
from dlbook.language_models import gpt
from dlbook.models import mlp_language_model


@pytest.mark.parametrize("d", [4, 64, 256])
def test_the_variance_of_a_dot_product_of_unit_variance_vectors_is_d_and_one_after_scaling(d):
    stats = tr.score_statistics(d, num_samples=4000, seed=1)
    assert abs(stats["variance"] / d - 1) < 0.1                      # 64000 scores: sampling error ~ 2%
    assert abs(stats["scaled_variance"] - 1) < 0.1


def test_unscaled_scores_saturate_the_softmax_and_scaled_ones_do_not():
    stats = tr.score_statistics(256, num_samples=500)
    assert stats["max_weight"] > 0.9 and stats["scaled_max_weight"] < 0.5


def test_self_attention_is_permutation_equivariant_on_each_backend(dl):
    attention = dl.MultiheadAttention(8, 2, batch_first=True, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 6, 8)).astype(np.float32)
    assert tr.permutation_gap(attention, x, [3, 0, 5, 1, 4, 2]) < 1e-5


def test_a_causal_gpt_is_not_permutation_equivariant(dl):
    model = gpt(dl, vocab_size=10, block_size=6, d_model=8, num_layers=1, nhead=2, seed=0)
    ids = np.arange(12).reshape(2, 6) % 10
    assert tr.permutation_gap(model, ids, [3, 0, 5, 1, 4, 2]) > 1e-2


def test_repeated_random_sequences_hold_two_equal_copies_in_bounds():
    sequences, starts, repeats = tr.repeated_random_sequences(50, 20, 7, seed=3)
    assert sequences.shape == (50, 20) and sequences.min() >= 0 and sequences.max() < 7
    assert repeats.min() >= 4 and repeats.max() <= 10 and np.all(starts + 2 * repeats <= 20)
    for row, start, repeat in zip(sequences, starts, repeats):
        assert np.array_equal(row[start:start + repeat], row[start + repeat:start + 2 * repeat])
    assert np.array_equal(sequences, tr.repeated_random_sequences(50, 20, 7, seed=3)[0])     # seeded


def test_a_block_holds_4_d_squared_attention_and_8_d_squared_feed_forward_weights_plus_biases(dl):
    d = 16
    counts = tr.block_parameter_count(dl.TransformerEncoderLayer(d, 4, 4 * d, seed=0))
    assert counts["attention"] == 4 * d * d + 4 * d                  # W_q, W_k, W_v, W_o and their biases
    assert counts["feed_forward"] == 8 * d * d + 5 * d               # d -> 4d -> d
    assert counts["norms"] == 4 * d and counts["total"] == 12 * d * d + 13 * d


def test_gpt3_size_follows_from_12_d_squared_per_block():
    assert tr.transformer_parameter_estimate(12288, 96) == 12 * 12288 ** 2 * 96
    assert 170e9 < tr.transformer_parameter_estimate(12288, 96) < 176e9


def test_training_a_gpt_lowers_its_loss_on_a_repeating_text(dl):
    ids = np.tile(np.arange(5), 200)
    model = gpt(dl, vocab_size=5, block_size=8, d_model=16, num_layers=1, nhead=2, seed=0)
    before = tr.next_token_nll(model, ids, 8)
    losses = tr.train_language_model(model, ids, 8, batch_size=8, steps=40, lr=1e-2, progress=False)
    assert len(losses) == 40 and tr.next_token_nll(model, ids, 8) < before / 4


def test_the_mlp_language_model_maps_fixed_windows_to_next_token_logits(dl):
    ids = np.tile(np.arange(6), 100)
    contexts, targets = tr.fixed_windows(ids, 3)
    assert np.array_equal(contexts[5], ids[5:8]) and targets[5] == ids[8]
    model = mlp_language_model(dl, 6, context_length=3, embedding_dim=4, hidden_size=16)
    before = tr.mlp_nll(model, ids, 3)
    tr.train_mlp_language_model(model, ids, 3, batch_size=32, steps=60, lr=1e-2)
    assert abs(before - math.log(6)) < 0.5 and tr.mlp_nll(model, ids, 3) < 0.2


def test_attention_maps_are_causal_and_rows_sum_to_one(dl):
    model = gpt(dl, vocab_size=10, block_size=7, d_model=8, num_layers=2, nhead=2, seed=0)
    maps = tr.attention_maps(model, np.arange(7))
    assert maps.shape == (2, 2, 7, 7)
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0, atol=1e-5)
    assert np.all(np.triu(maps, k=1) == 0)


def test_the_induction_experiment_reports_both_halves(dl_np):
    result = tr.induction_experiment(dl_np, 1, vocab_size=6, length=12, d_model=8, steps=3, batch_size=4)
    assert len(result["losses"]) == 3
    for half in ("first_half", "second_half"):
        assert abs(result[half] - math.log(6)) < 1.0                 # 3 steps: still close to uniform


def test_an_encoder_layer_is_permutation_equivariant_until_positions_are_added(dl):
    x = np.random.default_rng(1).standard_normal((2, 6, 8)).astype(np.float32)
    permutation = [3, 0, 5, 1, 4, 2]
    assert tr.permutation_gap(dl.TransformerEncoderLayer(8, 2, 32, dropout=0.0, seed=0), x, permutation) < 1e-5
    assert tr.permutation_gap(tr.positional_encoder_layer(dl, 8, 2, 6), x, permutation) > 1e-2


def test_a_warmed_up_schedule_rises_then_anneals_to_zero_at_the_last_step(dl):
    model = mlp_language_model(dl, 6, context_length=3, embedding_dim=4, hidden_size=8)
    optimizer = dl.AdamW(model.parameters(), lr=1e-2)
    scheduler = tr.learning_rate_schedule(optimizer, steps=10, warmup_steps=2)
    rates = [optimizer.lr]
    for _ in range(10):
        scheduler.step()
        rates.append(optimizer.lr)
    assert rates[0] < rates[1] < rates[2] == pytest.approx(1e-2) and rates[10] == pytest.approx(0.0, abs=1e-12)
    assert tr.learning_rate_schedule(optimizer, steps=10, warmup_steps=None) is None      # constant lr


def test_no_progress_bar_when_the_book_build_disables_tqdm(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    steps = range(3)
    assert tr.progress_bar(steps, True, desc="steps") is steps
    monkeypatch.delenv("TQDM_DISABLE")
    assert tr.progress_bar(steps, False) is steps
