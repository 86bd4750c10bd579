"""Embedding, LayerNorm, attention and the transformer encoder layer: what the catalogue's suites
(gradient checks, parity, torch oracle, properties, reprs) cannot express.

Masks (causal, boolean, float, key padding) against torch.nn, cross-attention with other query and key
lengths, per-head and averaged weights, need_weights=False, queries left without a key, permutation
equivariance, state_dict interop with plain torch.nn both ways, initial values, signatures, bad input.

Tolerances: comparisons with torch run in float64, where both sides differ only in the order of their
roundings (~1e-16 per operation): 1e-10 (as test_torch_oracle.py).

A query whose keys are all masked attends to nothing (our choice, documented in dlbook/numpy/attention.py):
its weights are 0 and its attention output is 0, as torch.nn.functional.scaled_dot_product_attention and
torch's MultiheadAttention with need_weights=False give (torch's need_weights=True path gives NaN there).
"""

import inspect
import math

import numpy as np
import pytest
from catalogue import to_array

RTOL64, ATOL64 = 1e-10, 1e-12
E, HEADS, N, T = 8, 2, 3, 5


def assert_close64(actual, expected):
    np.testing.assert_allclose(to_array(actual), to_array(expected), rtol=RTOL64, atol=ATOL64)


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def torch_mha_with_our_state(torch, attn, **kwargs):
    """torch.nn.MultiheadAttention (float64) holding our layer's parameters."""
    twin = torch.nn.MultiheadAttention(attn.embed_dim, attn.num_heads, bias=attn.in_proj_bias is not None,
                                       batch_first=attn.batch_first, **kwargs).double()
    twin.load_state_dict({key: torch.as_tensor(to_array(value)) for key, value in attn.state_dict().items()})
    return twin


def torch_encoder_with_our_state(torch, layer, **kwargs):
    twin = torch.nn.TransformerEncoderLayer(layer.d_model, layer.nhead, layer.dim_feedforward, batch_first=True,
                                            norm_first=layer.norm_first, activation=layer.activation_name,
                                            **kwargs).double()
    twin.load_state_dict({key: torch.as_tensor(to_array(value)) for key, value in layer.state_dict().items()})
    return twin


def causal(length, source=None):
    """MultiheadAttention's boolean causal mask: True above the diagonal (may not attend)."""
    return np.triu(np.ones((length, length if source is None else source), dtype=bool), 1)


# ---------------------------------------------------------------- masks


def test_is_causal_alone_applies_the_causal_mask_torch_asks_for(dl, float64, torch):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    x = normal((N, T, E))
    out, weights = attn(dl.asarray(x), dl.asarray(x), dl.asarray(x), is_causal=True)
    twin = torch_mha_with_our_state(torch, attn)
    x_torch = torch.as_tensor(x)
    out_torch, weights_torch = twin(x_torch, x_torch, x_torch, attn_mask=torch.as_tensor(causal(T)), is_causal=True)
    assert_close64(out, out_torch)
    assert_close64(weights, weights_torch)
    assert np.all(to_array(weights)[:, causal(T)] == 0)                   # nothing from the future
    with pytest.raises(RuntimeError, match="Need attn_mask"):             # the documented difference
        twin(x_torch, x_torch, x_torch, is_causal=True)


def test_a_boolean_mask_equals_the_float_mask_with_minus_inf(dl, float64):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    x = dl.asarray(normal((N, T, E)))
    mask = np.random.default_rng(1).random((T, T)) < 0.4
    mask[:, 0] = False
    out_bool, weights_bool = attn(x, x, x, attn_mask=dl.asarray(mask))
    out_float, weights_float = attn(x, x, x, attn_mask=dl.asarray(np.where(mask, -np.inf, 0.0)))
    np.testing.assert_array_equal(to_array(out_bool), to_array(out_float))
    np.testing.assert_array_equal(to_array(weights_bool), to_array(weights_float))


def test_padded_keys_get_no_weight_and_the_output_equals_torchs(dl, float64, torch):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    x = normal((N, T, E))
    padding = np.zeros((N, T), dtype=bool)
    padding[1, -2:] = padding[2, -1] = True
    out, weights = attn(*[dl.asarray(x)] * 3, key_padding_mask=dl.asarray(padding))
    twin = torch_mha_with_our_state(torch, attn)
    out_torch, weights_torch = twin(*[torch.as_tensor(x)] * 3, key_padding_mask=torch.as_tensor(padding))
    assert_close64(out, out_torch)
    assert_close64(weights, weights_torch)
    assert np.all(to_array(weights).transpose(0, 2, 1)[padding] == 0)


def test_a_float_key_padding_mask_and_a_3d_attn_mask_add_up_as_torchs(dl, float64, torch):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    x = normal((N, T, E))
    rng = np.random.default_rng(2)
    attn_mask, padding = rng.standard_normal((N * HEADS, T, T)), rng.standard_normal((N, T))
    out, weights = attn(*[dl.asarray(x)] * 3, key_padding_mask=dl.asarray(padding), attn_mask=dl.asarray(attn_mask),
                        average_attn_weights=False)
    twin = torch_mha_with_our_state(torch, attn)
    out_torch, weights_torch = twin(*[torch.as_tensor(x)] * 3, key_padding_mask=torch.as_tensor(padding),
                                    attn_mask=torch.as_tensor(attn_mask), average_attn_weights=False)
    assert_close64(out, out_torch)
    assert_close64(weights, weights_torch)


@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "causal"])
def test_scaled_dot_product_attention_equals_torchs_function(dl, float64, torch, mask_kind):
    rng = np.random.default_rng(0)
    query, key, value = (rng.standard_normal(shape) for shape in [(2, 3, 4, 6), (2, 3, 5, 6), (2, 3, 5, 7)])
    kwargs = {}
    if mask_kind == "bool":
        kwargs["attn_mask"] = rng.random((4, 5)) < 0.6                   # True = may attend (torch's function)
    elif mask_kind == "float":
        kwargs["attn_mask"] = rng.standard_normal((3, 4, 5))
    elif mask_kind == "causal":
        kwargs["is_causal"] = True
    ours = dl.scaled_dot_product_attention(*[dl.asarray(a) for a in (query, key, value)],
                                           **{k: v if k == "is_causal" else dl.asarray(v) for k, v in kwargs.items()})
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *[torch.as_tensor(a) for a in (query, key, value)],
        **{k: v if k == "is_causal" else torch.as_tensor(v) for k, v in kwargs.items()})
    assert tuple(ours.shape) == (2, 3, 4, 7)
    assert_close64(ours, theirs)


def test_scaled_dot_product_attention_takes_a_scale(dl, float64, torch):
    query, key, value = normal((2, 4, 6), 0), normal((2, 5, 6), 1), normal((2, 5, 3), 2)
    ours = dl.scaled_dot_product_attention(dl.asarray(query), dl.asarray(key), dl.asarray(value), scale=0.3)
    theirs = torch.nn.functional.scaled_dot_product_attention(torch.as_tensor(query), torch.as_tensor(key),
                                                              torch.as_tensor(value), scale=0.3)
    assert_close64(ours, theirs)


def test_the_module_form_keeps_the_weights_and_its_backward_gives_three_gradients(dl, float64, torch):
    query, key, value = normal((2, 4, 6), 0), normal((2, 5, 6), 1), normal((2, 5, 3), 2)
    attention = dl.ScaledDotProductAttention()
    out = attention(dl.asarray(query), dl.asarray(key), dl.asarray(value))
    grad_out = normal(tuple(out.shape), 3)
    grads = attention.backward(dl.asarray(grad_out))
    np.testing.assert_allclose(to_array(attention.attn_weights).sum(axis=-1), 1.0, rtol=1e-12)
    tensors = [torch.tensor(a, requires_grad=True) for a in (query, key, value)]
    torch.nn.functional.scaled_dot_product_attention(*tensors).backward(torch.as_tensor(grad_out))
    for grad, tensor in zip(grads, tensors, strict=True):
        assert_close64(grad, tensor.grad)


# ---------------------------------------------------------------- heads, weights, cross-attention


def test_cross_attention_with_other_query_and_key_lengths_equals_torch(dl, float64, torch):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    query, memory = normal((N, 4, E), 0), normal((N, 7, E), 1)
    out, weights = attn(dl.asarray(query), dl.asarray(memory), dl.asarray(memory))
    assert tuple(out.shape) == (N, 4, E) and tuple(weights.shape) == (N, 4, 7)
    twin = torch_mha_with_our_state(torch, attn)
    out_torch, weights_torch = twin(torch.as_tensor(query), torch.as_tensor(memory), torch.as_tensor(memory))
    assert_close64(out, out_torch)
    assert_close64(weights, weights_torch)


def test_weights_per_head_equal_torchs_and_average_to_the_default_weights(dl, float64, torch):
    attn = dl.MultiheadAttention(E, 4, seed=0)
    x = dl.asarray(normal((N, T, E)))
    _, per_head = attn(x, x, x, average_attn_weights=False)
    _, averaged = attn(x, x, x)
    assert tuple(per_head.shape) == (N, 4, T, T) and tuple(averaged.shape) == (N, T, T)
    np.testing.assert_allclose(to_array(per_head).mean(axis=1), to_array(averaged), rtol=1e-12)
    np.testing.assert_allclose(to_array(per_head).sum(axis=-1), 1.0, rtol=1e-12)       # each row a distribution
    twin = torch_mha_with_our_state(torch, attn)
    x_torch = torch.as_tensor(to_array(x))
    assert_close64(per_head, twin(x_torch, x_torch, x_torch, average_attn_weights=False)[1])


def test_need_weights_false_gives_none_and_the_same_output(dl, float64):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    x = dl.asarray(normal((N, T, E)))
    out, weights = attn(x, x, x)
    out_without, none = attn(x, x, x, need_weights=False)
    assert none is None and weights is not None
    np.testing.assert_array_equal(to_array(out_without), to_array(out))


def test_heads_see_different_parts_of_the_embedding(dl, float64):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    x = dl.asarray(normal((N, T, E)))
    _, per_head = attn(x, x, x, average_attn_weights=False)
    assert not np.allclose(to_array(per_head)[:, 0], to_array(per_head)[:, 1])


# ---------------------------------------------------------------- a query without any key


def test_a_query_without_any_key_attends_to_nothing_as_torch_without_weights(dl, float64, torch):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    dl.normal(attn.out_proj.bias, 0.0, 1.0, seed=1)                       # so that the output is b_o, not 0
    x = normal((N, T, E))
    mask = np.zeros((T, T), dtype=bool)
    mask[2] = True                                                        # query 2 may attend to no key
    out, weights = attn(*[dl.asarray(x)] * 3, attn_mask=dl.asarray(mask))
    assert np.all(to_array(weights)[:, 2] == 0)
    np.testing.assert_allclose(to_array(out)[:, 2], np.broadcast_to(to_array(attn.out_proj.bias), (N, E)))
    twin = torch_mha_with_our_state(torch, attn)
    x_torch = torch.as_tensor(x)
    out_torch, _ = twin(x_torch, x_torch, x_torch, attn_mask=torch.as_tensor(mask), need_weights=False)
    assert_close64(out, out_torch)
    _, torch_weights = twin(x_torch, x_torch, x_torch, attn_mask=torch.as_tensor(mask))
    assert torch.isnan(torch_weights[:, 2]).all()                         # torch's other path: the difference


def test_a_query_without_any_key_gets_zero_gradients_and_the_rest_stay_finite(dl, float64):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    padding = np.ones((N, T), dtype=bool)
    padding[1:, :3] = False                                              # sequence 0 is all padding
    x = dl.asarray(normal((N, T, E)))
    out, _ = attn(x, x, x, key_padding_mask=dl.asarray(padding))
    grads = [to_array(g) for g in attn.backward(dl.asarray(np.ones(tuple(out.shape))))]
    assert all(np.isfinite(g).all() for g in grads) and np.isfinite(to_array(attn.in_proj_weight.grad)).all()
    assert np.all(grads[1][0] == 0) and np.all(grads[2][0] == 0)          # its keys and values got nothing


def test_the_function_gives_zero_for_a_query_without_any_key_as_torch(dl, float64, torch):
    query, key, value = normal((2, 4, 6), 0), normal((2, 5, 6), 1), normal((2, 5, 3), 2)
    allowed = np.ones((4, 5), dtype=bool)
    allowed[1] = False
    ours = dl.scaled_dot_product_attention(dl.asarray(query), dl.asarray(key), dl.asarray(value),
                                           attn_mask=dl.asarray(allowed))
    theirs = torch.nn.functional.scaled_dot_product_attention(*[torch.as_tensor(a) for a in (query, key, value)],
                                                              attn_mask=torch.as_tensor(allowed))
    assert np.all(to_array(ours)[:, 1] == 0)
    assert_close64(ours, theirs)


# ---------------------------------------------------------------- symmetry


def test_attention_without_positions_is_permutation_equivariant(dl, float64):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    x = normal((N, T, E))
    order = np.random.default_rng(3).permutation(T)
    out, weights = attn(*[dl.asarray(x)] * 3)
    out_permuted, weights_permuted = attn(*[dl.asarray(x[:, order])] * 3)
    np.testing.assert_allclose(to_array(out_permuted), to_array(out)[:, order], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(to_array(weights_permuted), to_array(weights)[:, order][:, :, order], rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
def test_an_encoder_layer_without_positions_is_permutation_equivariant(dl, float64, norm_first):
    layer = dl.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, norm_first=norm_first, seed=0)
    x = normal((N, T, E))
    order = np.random.default_rng(3).permutation(T)
    np.testing.assert_allclose(to_array(layer(dl.asarray(x[:, order]))), to_array(layer(dl.asarray(x)))[:, order],
                               rtol=1e-12, atol=1e-14)


def test_a_causal_layer_is_not_permutation_equivariant_the_past_matters(dl, float64):
    layer = dl.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, seed=0)
    x = normal((N, T, E))
    out = to_array(layer(dl.asarray(x), is_causal=True))
    changed = x.copy()
    changed[:, -1] += 1.0                                                # only the last position changes
    out_changed = to_array(layer(dl.asarray(changed), is_causal=True))
    np.testing.assert_allclose(out_changed[:, :-1], out[:, :-1], rtol=1e-12, atol=1e-14)
    assert not np.allclose(out_changed[:, -1], out[:, -1])


# ---------------------------------------------------------------- the encoder layer


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_state_dict_loads_into_torch_nn_and_gives_the_same_output(dl, float64, torch, norm_first,
                                                                               activation):
    layer = dl.TransformerEncoderLayer(E, HEADS, 16, norm_first=norm_first, activation=activation, seed=0).eval()
    twin = torch_encoder_with_our_state(torch, layer).eval()
    assert list(layer.state_dict()) == list(twin.state_dict())
    x, padding = normal((N, T, E)), np.zeros((N, T), dtype=bool)
    padding[0, -2:] = True
    ours = layer(dl.asarray(x), src_mask=dl.asarray(causal(T)), src_key_padding_mask=dl.asarray(padding))
    with torch.no_grad():                                                 # torch's fast path, where it applies
        theirs = twin(torch.as_tensor(x), src_mask=torch.as_tensor(causal(T)),
                      src_key_padding_mask=torch.as_tensor(padding))
    np.testing.assert_allclose(to_array(ours)[~padding], to_array(theirs)[~padding], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
def test_torch_nn_encoder_layer_state_dict_loads_into_ours(dl, float64, torch, norm_first):
    twin = torch.nn.TransformerEncoderLayer(E, HEADS, 16, batch_first=True, norm_first=norm_first).double().eval()
    with torch.no_grad():
        for param in twin.parameters():                                   # away from the init's ones and zeros
            param.add_(0.1 * torch.randn_like(param, generator=torch.Generator().manual_seed(0)))
    layer = dl.TransformerEncoderLayer(E, HEADS, 16, norm_first=norm_first, seed=1).eval()
    layer.load_state_dict(twin.state_dict())
    x = normal((N, T, E))
    x_torch = torch.as_tensor(x)
    assert_close64(layer(dl.asarray(x), is_causal=True),
                   twin(x_torch, src_mask=torch.as_tensor(causal(T)), is_causal=True).detach())


def test_mha_state_dict_goes_both_ways_with_torch_nn(dl, float64, torch):
    attn = dl.MultiheadAttention(E, HEADS, seed=0)
    twin = torch_mha_with_our_state(torch, attn)
    assert list(attn.state_dict()) == list(twin.state_dict()) == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    with torch.no_grad():
        for param in twin.parameters():
            param.add_(0.1)
    other = dl.MultiheadAttention(E, HEADS, seed=5)
    other.load_state_dict(twin.state_dict())
    x = normal((N, T, E))
    assert_close64(other(*[dl.asarray(x)] * 3)[0], twin(*[torch.as_tensor(x)] * 3)[0].detach())


def test_eval_mode_turns_attention_dropout_off(dl, float64):
    layer = dl.TransformerEncoderLayer(E, HEADS, 16, dropout=0.5, seed=0)
    x = dl.asarray(normal((N, T, E)))
    trained = [to_array(layer(x)) for _ in range(2)]
    assert not np.allclose(trained[0], trained[1])                       # a new mask each call
    layer.eval()
    no_dropout = dl.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, seed=0)
    no_dropout.load_state_dict(layer.state_dict())
    np.testing.assert_allclose(to_array(layer(x)), to_array(no_dropout(x)), rtol=1e-12)


def test_attention_dropout_draws_the_same_masks_on_both_backends(dl_np, dl_torch):
    x = normal((N, T, E))
    weights = {}
    for dl in (dl_np, dl_torch):
        attn = dl.MultiheadAttention(E, HEADS, dropout=0.4, seed=3)
        weights[dl.name] = [to_array(attn(*[dl.asarray(x)] * 3, average_attn_weights=False)[1]) for _ in range(2)]
    for ours, theirs in zip(weights["numpy"], weights["torch"], strict=True):
        np.testing.assert_array_equal(ours == 0, theirs == 0)
    assert 0.2 < (weights["numpy"][0] == 0).mean() < 0.6


def test_the_torch_backend_layers_also_train_through_loss_backward(dl_torch, torch):
    layer = dl_torch.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, seed=0)
    x = dl_torch.asarray(normal((N, T, E))).requires_grad_()
    layer(x, is_causal=True).square().sum().backward()
    assert x.grad is not None and all(p.grad is not None for p in layer.parameters())


# ---------------------------------------------------------------- Embedding


def test_repeated_ids_add_up_and_the_padding_row_gets_nothing_as_torch(dl, float64, torch):
    embedding = dl.Embedding(6, 3, padding_idx=2, seed=0)
    ids = np.array([[1, 2, 1, 4], [2, 1, 5, 0]])
    out = embedding(dl.asarray(ids))
    grad_out = normal((2, 4, 3), 1)
    assert embedding.backward(dl.asarray(grad_out)) is None
    twin = torch.nn.Embedding(6, 3, padding_idx=2).double()
    twin.load_state_dict({"weight": torch.as_tensor(to_array(embedding.weight))})
    out_torch = twin(torch.as_tensor(ids))
    out_torch.backward(torch.as_tensor(grad_out))
    assert_close64(out, out_torch)
    assert_close64(embedding.weight.grad, twin.weight.grad)
    grad = to_array(embedding.weight.grad)
    np.testing.assert_allclose(grad[1], grad_out[ids == 1].sum(axis=0))    # id 1 read three times
    assert np.all(grad[2] == 0) and np.all(grad[3] == 0)                   # padding; never read


def test_embedding_weight_is_standard_normal_with_a_zero_padding_row(dl):
    embedding = dl.Embedding(2000, 50, padding_idx=-1, seed=0)
    weight = to_array(embedding.weight)
    assert embedding.padding_idx == 1999 and np.all(weight[1999] == 0)
    assert abs(weight[:-1].mean()) < 0.01 and abs(weight[:-1].std() - 1.0) < 0.01   # 100,000 draws: se ~0.003


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 4)])
def test_embedding_maps_ids_of_any_shape_to_that_shape_plus_the_dimension(dl, shape):
    embedding = dl.Embedding(10, 3, seed=0)
    ids = np.random.default_rng(0).integers(0, 10, shape)
    out = embedding(dl.asarray(ids))
    assert tuple(out.shape) == shape + (3,)
    np.testing.assert_array_equal(to_array(out), to_array(embedding.weight)[ids])


@pytest.mark.parametrize("ids, error, message", [
    (np.array([[1, 10]]), IndexError, r"Embedding\(10, 3\) got index 10, out of range for num_embeddings=10"),
    (np.array([-1, 3]), IndexError, r"Embedding\(10, 3\) got index -1, out of range for num_embeddings=10"),
    (np.array([1.0, 2.0]), TypeError, r"Embedding\(10, 3\) expected int64 or int32 indices .*float"),
    (np.array([True, False]), TypeError, r"Embedding\(10, 3\) expected int64 or int32 indices .*bool"),
    (np.array([1, 2], dtype=np.uint8), TypeError, r"Embedding\(10, 3\) expected int64 or int32 indices .*uint8"),
    (np.array([1, 2], dtype=np.int16), TypeError, r"Embedding\(10, 3\) expected int64 or int32 indices .*int16"),
], ids=["too-large", "negative", "float", "bool", "uint8", "int16"])
def test_embedding_refuses_bad_ids_naming_the_index_and_num_embeddings(dl, ids, error, message):
    with pytest.raises(error, match=message):
        dl.Embedding(10, 3, seed=0)(dl.asarray(ids, dtype=ids.dtype))


def test_embedding_refuses_a_padding_idx_out_of_range(dl):
    with pytest.raises(ValueError, match="Padding_idx must be within num_embeddings"):
        dl.Embedding(10, 3, padding_idx=10)


# ---------------------------------------------------------------- LayerNorm


def test_layernorm_normalizes_each_sample_with_the_biased_variance(dl, float64):
    x = normal((4, 6), 0) * 3 + 2
    y = to_array(dl.LayerNorm(6)(dl.asarray(x)))
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y, (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5),
                               rtol=1e-12)


def test_layernorm_is_the_same_in_training_and_eval_mode(dl, float64):
    layer, x = dl.LayerNorm(6), dl.asarray(normal((4, 6)))
    np.testing.assert_array_equal(to_array(layer(x)), to_array(layer.eval()(x)))


# ---------------------------------------------------------------- initial values and signatures


@pytest.mark.parametrize("make", [
    lambda dl: dl.MultiheadAttention(E, HEADS, seed=0),
    lambda dl: dl.TransformerEncoderLayer(E, HEADS, 16, seed=0),
    lambda dl: dl.Embedding(11, 4, padding_idx=3, seed=0),
    lambda dl: dl.LayerNorm((2, 3), bias=False),
], ids=["MultiheadAttention", "TransformerEncoderLayer", "Embedding", "LayerNorm"])
def test_the_same_seed_gives_bit_identical_weights_on_both_backends(dl_np, dl_torch, make):
    state_np, state_torch = make(dl_np).state_dict(), make(dl_torch).state_dict()
    assert list(state_np) == list(state_torch)
    for key in state_np:
        np.testing.assert_array_equal(to_array(state_np[key]), to_array(state_torch[key]))


def test_mha_initial_weights_follow_torchs_reset_parameters(dl):
    attn = dl.MultiheadAttention(64, 4, seed=0)
    in_proj = to_array(attn.in_proj_weight)
    bound = math.sqrt(6 / (64 + 3 * 64))                                 # xavier_uniform on (3E, E)
    assert in_proj.shape == (192, 64) and np.abs(in_proj).max() <= bound and np.abs(in_proj).max() > 0.99 * bound
    assert np.all(to_array(attn.in_proj_bias) == 0) and np.all(to_array(attn.out_proj.bias) == 0)
    out_weight = to_array(attn.out_proj.weight)                          # Linear's default, U(-1/sqrt(E), 1/sqrt(E))
    assert np.abs(out_weight).max() <= 1 / 8 and np.abs(out_weight).max() > 0.99 / 8


def test_different_seeds_give_different_sub_layers(dl):
    a, b = dl.TransformerEncoderLayer(E, HEADS, 16, seed=0), dl.TransformerEncoderLayer(E, HEADS, 16, seed=1)
    assert not np.allclose(to_array(a.linear1.weight), to_array(b.linear1.weight))
    assert not np.allclose(to_array(a.linear1.weight)[:8, :8], to_array(a.linear2.weight)[:8, :8])


def argument_defaults(function):
    return {p.name: (p.kind, p.default) for p in inspect.signature(function).parameters.values()}


@pytest.mark.parametrize("name, differences", [
    ("MultiheadAttention", {"batch_first": True}),
    ("TransformerEncoderLayer", {"batch_first": True, "activation": "relu"}),
])
def test_constructor_arguments_are_torchs_with_the_documented_differences(dl, torch, name, differences):
    ours, theirs = argument_defaults(getattr(dl, name)), argument_defaults(getattr(torch.nn, name))
    for argument, (_, default) in ours.items():
        if argument == "seed":
            continue
        assert argument in theirs, argument
        expected = differences.get(argument, theirs[argument][1])
        assert default == expected, argument
    positional = [a for a, (kind, _) in ours.items() if kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == [a for a, (kind, _) in theirs.items()
                          if kind is inspect.Parameter.POSITIONAL_OR_KEYWORD][:len(positional)]


@pytest.mark.parametrize("name", ["MultiheadAttention", "TransformerEncoderLayer"])
def test_forward_takes_torchs_arguments(dl, torch, name):
    ours = [p.name for p in inspect.signature(getattr(dl, name).forward).parameters.values()]
    theirs = [p.name for p in inspect.signature(getattr(torch.nn, name).forward).parameters.values()]
    assert ours == theirs


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("call, error, message", [
    (lambda dl, x: dl.MultiheadAttention(E, HEADS, seed=0)(x[..., :6], x[..., :6], x[..., :6]), "ShapeError",
     r"MultiheadAttention\(8, num_heads=2\) expected query of shape \(N, T, 8\), got \(3, 5, 6\)"),
    (lambda dl, x: dl.MultiheadAttention(E, HEADS, seed=0)(x, x[:, :4], x), "ShapeError",
     r"expected value of shape \(3, 4, 8\) .*got \(3, 5, 8\)"),
    (lambda dl, x: dl.MultiheadAttention(E, HEADS, seed=0)(x, x[:2], x[:2]), "ShapeError",
     r"expected key of shape \(3, 5, 8\) .*got \(2, 5, 8\)"),
    (lambda dl, x: dl.MultiheadAttention(E, HEADS, seed=0)(x, x, x, attn_mask=dl.asarray(causal(4))), "ShapeError",
     r"expected attn_mask of shape \(5, 5\) \(L, S\), got \(4, 4\)"),
    (lambda dl, x: dl.MultiheadAttention(E, HEADS, seed=0)(x, x, x, attn_mask=dl.asarray(np.zeros((3, 5, 5)))),
     "ShapeError", r"expected attn_mask of shape \(6, 5, 5\) \(N \* num_heads, L, S\), got \(3, 5, 5\)"),
    (lambda dl, x: dl.MultiheadAttention(E, HEADS, seed=0)(x, x, x, key_padding_mask=dl.asarray(np.zeros((3, 4),
                                                                                                            bool))),
     "ShapeError", r"expected key_padding_mask of shape \(3, 5\) \(N, S\), got \(3, 4\)"),
    (lambda dl, x: dl.MultiheadAttention(E, HEADS, seed=0)(x, x, x, attn_mask=dl.asarray(np.zeros((5, 5), int))),
     TypeError, r"expected attn_mask of dtype bool or floating, got dtype"),
    (lambda dl, x: dl.MultiheadAttention(E, HEADS, seed=0)(x[0], x[0], x[0]), "ShapeError",
     r"expected a 3-D query \(N, T, 8\)"),
    (lambda dl, x: dl.scaled_dot_product_attention(x, x[..., :4], x), "ShapeError",
     r"expected key of shape \(3, 'S', 8\)"),
    (lambda dl, x: dl.scaled_dot_product_attention(x, x, x, attn_mask=dl.asarray(np.ones((4, 5), bool))),
     "ShapeError", r"expected attn_mask broadcastable to \(\.\.\., L, S\) = \(3, 5, 5\), got \(4, 5\)"),
    (lambda dl, x: dl.scaled_dot_product_attention(x, x, x, attn_mask=dl.asarray(np.ones((5, 5), bool)),
                                                   is_causal=True), ValueError, "attn_mask must be None"),
    (lambda dl, x: dl.TransformerEncoderLayer(E, HEADS, 16, seed=0)(x[..., :4]), "ShapeError",
     r"expected query of shape \(N, T, 8\), got \(3, 5, 4\)"),
    (lambda dl, x: dl.LayerNorm((4, 8))(x), "ShapeError",
     r"LayerNorm\(\(4, 8\)\) expected input of shape \(\*, 4, 8\), got \(3, 5, 8\)"),
], ids=["wrong-embed_dim", "key-value-lengths", "batch-sizes", "2d-mask-shape", "3d-mask-shape", "padding-shape",
        "integer-mask", "unbatched", "sdpa-key-shape", "sdpa-mask-shape", "sdpa-mask-and-causal", "encoder-d_model",
        "layernorm-shape"])
def test_bad_input_is_refused_naming_the_layer_and_the_shapes(dl, call, error, message):
    error = getattr(dl, error) if isinstance(error, str) else error
    with pytest.raises(error, match=message):
        call(dl, dl.asarray(normal((N, T, E))))


@pytest.mark.parametrize("make, message", [
    (lambda dl: dl.MultiheadAttention(10, 3), "embed_dim must be divisible by num_heads, got embed_dim=10 and "
                                              "num_heads=3"),
    (lambda dl: dl.MultiheadAttention(8, 2, dropout=1.5), "dropout probability"),
    (lambda dl: dl.TransformerEncoderLayer(8, 2, activation="tanh"), "activation should be relu/gelu, not 'tanh'"),
    (lambda dl: dl.TransformerEncoderLayer(8, 3), "embed_dim must be divisible by num_heads"),
    (lambda dl: dl.LayerNorm(0), "positive sizes"),
], ids=["heads-not-dividing", "dropout", "activation", "encoder-heads", "layernorm-size"])
def test_bad_arguments_are_refused(dl, make, message):
    with pytest.raises(ValueError, match=message):
        make(dl)


# ---------------------------------------------------------------- the language-model loss


def test_cross_entropy_over_n_v_t_logits_ignores_the_padding_positions(dl, float64):
    rng = np.random.default_rng(0)
    logits, targets = rng.standard_normal((2, 6, 5)), rng.integers(1, 6, (2, 5))
    targets[0, 3:] = targets[1, 4:] = 0                                # padding id 0
    loss_fn = dl.CrossEntropyLoss(ignore_index=0)
    loss = float(to_array(loss_fn(dl.asarray(logits), dl.asarray(targets))))
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    kept = targets != 0
    expected = -np.take_along_axis(log_probs, targets[:, None], axis=1)[:, 0][kept].mean()
    assert loss == pytest.approx(expected, rel=1e-12)
    grad = to_array(loss_fn.backward())
    assert np.all(grad.transpose(0, 2, 1)[~kept] == 0)                   # padding positions teach nothing
