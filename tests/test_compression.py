"""dlbook.compression: pruning masks, quantization error bounds, model files, packing, and no pickle."""

import numpy as np
import pytest

from dlbook import compression, models
from dlbook.compression import PruningMask
from dlbook.state import numpy_state

RNG = np.random.default_rng(0)


def mlp(dl, sizes=(8, 16, 12, 3)):
    return models.mlp(dl, sizes, seed=0)


def channels_of_different_scales(shape=(16, 40), seed=0):
    """A weight whose rows (output channels) spread over 0.01 .. 10: where per-channel scales pay."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * np.logspace(-2, 1, shape[0])[:, None]).astype(np.float32)


# ---------------------------------------------------------------- unstructured pruning


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.5, 0.8, 0.9, 0.99, 1.0])
@pytest.mark.parametrize("shape", [(7,), (30, 17), (4, 3, 5, 5)])
def test_magnitude_mask_prunes_exactly_the_requested_fraction(sparsity, shape):
    keep = compression.magnitude_mask(RNG.standard_normal(shape), sparsity)
    assert keep.shape == shape and keep.dtype == bool
    assert (~keep).sum() == round(sparsity * np.prod(shape))


def test_magnitude_mask_removes_the_smallest_magnitudes():
    weight = RNG.standard_normal((50, 40))
    keep = compression.magnitude_mask(weight, 0.7)
    assert np.abs(weight[~keep]).max() <= np.abs(weight[keep]).min()


def test_magnitude_mask_is_exact_even_with_ties():
    weight = np.zeros((10, 10))                             # every |w| ties
    assert (~compression.magnitude_mask(weight, 0.35)).sum() == 35


def test_a_sparsity_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="sparsity"):
        compression.magnitude_mask(np.ones(4), 1.5)


def test_global_masks_share_one_threshold_across_layers():
    rng = np.random.default_rng(1)
    weights = {"small": rng.standard_normal((20, 20)) * 0.1, "large": rng.standard_normal((20, 20))}
    masks = compression.global_magnitude_masks(weights, 0.5)
    pruned = np.concatenate([np.abs(w[~masks[n]]) for n, w in weights.items()])
    kept = np.concatenate([np.abs(w[masks[n]]) for n, w in weights.items()])
    assert len(pruned) == 400 and pruned.max() <= kept.min()
    assert (~masks["small"]).mean() > 0.8 and (~masks["large"]).mean() < 0.2      # the small layer loses most


def test_pruning_mask_prunes_every_layer_to_the_sparsity_with_layer_scope(dl):
    model = mlp(dl)
    mask = PruningMask.magnitude(model, 0.6, scope="layer")
    assert set(mask.masks) == {"0.weight", "2.weight", "4.weight"}           # weights only, no biases
    for name, keep in mask.masks.items():
        assert (~keep).sum() == round(0.6 * keep.size), name


def test_pruning_mask_with_global_scope_reaches_the_sparsity_over_all_weights(dl):
    model = mlp(dl)
    mask = PruningMask.magnitude(model, 0.75)
    mask.apply(model)
    total = sum(keep.size for keep in mask.masks.values())
    assert abs(compression.weight_sparsity(model) - round(0.75 * total) / total) < 1e-12
    assert abs(mask.sparsity - 0.75) < 1 / total


def test_an_unknown_scope_is_refused(dl_np):
    with pytest.raises(ValueError, match="scope"):
        PruningMask.magnitude(mlp(dl_np), 0.5, scope="row")


def test_apply_zeros_the_pruned_weights_and_keeps_the_others(dl):
    model = mlp(dl)
    before = numpy_state(model)
    mask = PruningMask.magnitude(model, 0.5)
    after = numpy_state(mask.apply(model))
    for name, keep in mask.masks.items():
        assert (after[name][~keep] == 0).all()
        np.testing.assert_array_equal(after[name][keep], before[name][keep])
    np.testing.assert_array_equal(after["0.bias"], before["0.bias"])


def test_apply_to_state_matches_apply_on_the_model(dl_np):
    model = mlp(dl_np)
    mask = PruningMask.magnitude(model, 0.8)
    expected = mask.apply_to_state(numpy_state(model))
    for name, value in numpy_state(mask.apply(model)).items():
        np.testing.assert_array_equal(value, expected[name])


# ---------------------------------------------------------------- structured pruning


def test_structured_pruning_removes_whole_rows_of_smallest_norm():
    weight = RNG.standard_normal((12, 9))
    keep_rows = compression.structured_mask(weight, 0.25)
    norms = np.linalg.norm(weight, axis=1)
    assert (~keep_rows).sum() == 3 and norms[~keep_rows].max() <= norms[keep_rows].min()


def test_structured_pruning_removes_whole_conv_filters():
    weight = RNG.standard_normal((8, 3, 3, 3))
    keep_rows = compression.structured_mask(weight, 0.5)
    norms = np.sqrt((weight ** 2).sum(axis=(1, 2, 3)))
    assert (~keep_rows).sum() == 4 and norms[~keep_rows].max() <= norms[keep_rows].min()


def test_structured_mask_zeros_whole_neurons_with_their_bias_and_spares_the_output_layer(dl):
    model = mlp(dl)
    mask = PruningMask.structured(model, 0.5)
    assert set(mask.masks) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    state = numpy_state(mask.apply(model))
    for layer in ("0", "2"):
        weight, bias = state[f"{layer}.weight"], state[f"{layer}.bias"]
        dead_rows = (weight == 0).all(axis=1)
        assert dead_rows.sum() == len(weight) // 2
        assert ((weight != 0).all(axis=1) | dead_rows).all()            # a row goes whole or stays whole
        assert (bias[dead_rows] == 0).all()
    assert (state["4.weight"] != 0).all()


def test_structured_pruning_of_a_conv_net_removes_whole_filters(dl):
    model = dl.Sequential(dl.Conv2d(1, 6, 3, seed=0), dl.ReLU(), dl.Flatten(), dl.Linear(6 * 6 * 6, 4, seed=1))
    state = numpy_state(PruningMask.structured(model, 0.5).apply(model))
    dead_filters = (state["0.weight"] == 0).all(axis=(1, 2, 3))
    assert dead_filters.sum() == 3 and (state["0.bias"][dead_filters] == 0).all()


# ---------------------------------------------------------------- fine-tuning with the mask fixed


def tiny_task(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 8)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1)


def test_the_masked_optimizer_keeps_pruned_weights_at_zero_while_the_others_learn(dl):
    model = mlp(dl, (8, 32, 3))
    X, y = tiny_task()
    mask = PruningMask.magnitude(model, 0.5, scope="layer")     # every hidden unit keeps a way to the output
    mask.apply(model)
    before = numpy_state(model)
    compression.fine_tune(model, mask, X, y, epochs=2, lr=1e-2)
    after = numpy_state(model)
    for name, keep in mask.masks.items():
        assert (after[name][~keep] == 0).all()
        assert (after[name][keep] != before[name][keep]).mean() > 0.8      # a few sit behind dead units
    assert compression.weight_sparsity(after) == compression.weight_sparsity(before)


def test_without_re_applying_the_mask_pruned_weights_grow_back(dl):
    from dlbook.train import fit

    model = mlp(dl, (8, 32, 3))
    X, y = tiny_task()
    mask = PruningMask.magnitude(model, 0.5)
    mask.apply(model)
    fit(model, dl.CrossEntropyLoss(), dl.Adam(model.parameters(), lr=1e-2), X, y, epochs=1, progress=False)
    assert compression.weight_sparsity(model) < 0.25


def test_the_masked_optimizer_passes_the_learning_rate_through(dl_np):
    model = mlp(dl_np)
    optimizer = PruningMask.magnitude(model, 0.5).wrap(dl_np.SGD(model.parameters(), lr=0.1), model)
    optimizer.lr = 0.05
    assert optimizer.optimizer.lr == 0.05 and optimizer.param_groups[0]["lr"] == 0.05


def test_accuracy_vs_sparsity_restores_the_dense_weights_and_keeps_each_sparsity(dl_np):
    model = mlp(dl_np)
    X, y = tiny_task()
    dense = numpy_state(model)
    curve = compression.accuracy_vs_sparsity(model, [0.5, 0.9], X, y, X, y, epochs=1)
    assert curve["one_shot"].shape == curve["retrained"].shape == (2,)
    assert [round(compression.weight_sparsity(state), 2) for state in curve["states"]] == [0.5, 0.9]
    for name, value in numpy_state(model).items():
        np.testing.assert_array_equal(value, dense[name])
    with pytest.raises(ValueError, match="increasing"):
        compression.accuracy_vs_sparsity(model, [0.9, 0.5], X, y, X, y)


# ---------------------------------------------------------------- quantization


@pytest.mark.parametrize("bits", [2, 4, 8, 12])
@pytest.mark.parametrize("per_channel", [False, True])
def test_the_round_trip_error_is_at_most_half_a_step(bits, per_channel):
    weight = channels_of_different_scales()
    q, scale, zero_point = compression.quantize(weight, bits, per_channel=per_channel)
    error = np.abs(weight - compression.dequantize(q, scale, zero_point))
    assert (error <= scale / 2 * (1 + 1e-6) + 1e-7).all()        # float32 arithmetic: a hair above scale / 2
    q_min, q_max = compression.integer_range(bits)
    assert q.min() >= q_min and q.max() <= q_max
    assert scale.shape == ((16, 1) if per_channel else ())


def test_eight_bit_quantization_stores_int8_with_a_scale_and_zero_point():
    q, scale, zero_point = compression.quantize(RNG.standard_normal((5, 5)), 8)
    assert q.dtype == np.int8 and scale.dtype == np.float32 and zero_point.dtype == np.int32
    assert compression.integer_range(8) == (-128, 127)


def test_zero_is_represented_exactly_so_pruned_weights_stay_zero():
    weight = RNG.standard_normal((20, 30)).astype(np.float32) + 3        # all positive but the zeros
    weight[:, ::3] = 0
    for per_channel in (False, True):
        restored = compression.dequantize(*compression.quantize(weight, 4, per_channel=per_channel))
        assert (restored[:, ::3] == 0).all()


def test_per_channel_quantization_errs_no_more_than_per_tensor():
    weight = channels_of_different_scales()
    _, tensor_scale, _ = compression.quantize(weight, 8)
    _, channel_scales, _ = compression.quantize(weight, 8, per_channel=True)
    assert (channel_scales <= tensor_scale * (1 + 1e-6)).all()            # a channel's range lies inside the tensor's
    tensor_error = np.abs(weight - compression.dequantize(*compression.quantize(weight, 8)))
    channel_error = np.abs(weight - compression.dequantize(*compression.quantize(weight, 8, per_channel=True)))
    assert channel_error.max(axis=1).max() <= tensor_error.max() and channel_error.mean() < tensor_error.mean() / 5


def test_per_channel_along_another_axis_gives_one_scale_per_column():
    _, scale, zero_point = compression.quantize(RNG.standard_normal((6, 4)), 8, per_channel=True, axis=1)
    assert scale.shape == zero_point.shape == (1, 4)


def test_an_all_zero_channel_quantizes_to_zero_without_nan():
    weight = RNG.standard_normal((3, 5)).astype(np.float32)
    weight[1] = 0
    restored = compression.dequantize(*compression.quantize(weight, 8, per_channel=True))
    assert np.isfinite(restored).all() and (restored[1] == 0).all()


@pytest.mark.parametrize("bits", [1, 17, 8.0])
def test_bit_widths_outside_two_to_sixteen_are_refused(bits):
    with pytest.raises(ValueError, match="bits"):
        compression.quantize(np.ones(3), bits)


def test_quantized_state_quantizes_weights_and_keeps_biases(dl_np):
    state = numpy_state(mlp(dl_np))
    quantized = compression.quantized_state(state, 4)
    np.testing.assert_array_equal(quantized["0.bias"], state["0.bias"])
    assert len(np.unique(quantized["0.weight"][0])) <= 16 and not np.array_equal(quantized["0.weight"],
                                                                                  state["0.weight"])


# ---------------------------------------------------------------- model files and no pickle


@pytest.fixture
def state(dl_np):
    return numpy_state(mlp(dl_np))


@pytest.mark.parametrize("suffix", compression.FORMATS)
def test_every_file_format_round_trips_exactly(tmp_path, state, suffix):
    size = compression.save_state(state, tmp_path / f"model{suffix}")
    assert size == (tmp_path / f"model{suffix}").stat().st_size > 0
    loaded = compression.load_state(tmp_path / f"model{suffix}")
    assert set(loaded) == set(state)
    for name, value in state.items():
        assert loaded[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded[name], value)


def test_hdf5_with_gzip_round_trips_and_shrinks_a_sparse_model(tmp_path, dl_np):
    model = mlp(dl_np, (64, 256, 10))
    sparse = numpy_state(PruningMask.magnitude(model, 0.9).apply(model))
    plain = compression.save_state(sparse, tmp_path / "plain.h5")
    gzip = compression.save_state(sparse, tmp_path / "gzip.h5", compression="gzip")
    assert gzip < plain / 2
    for name, value in compression.load_state(tmp_path / "gzip.h5").items():
        np.testing.assert_array_equal(value, sparse[name])


def test_an_unknown_suffix_is_refused(tmp_path, state):
    with pytest.raises(ValueError, match="format"):
        compression.save_state(state, tmp_path / "model.pkl")
    with pytest.raises(ValueError, match="format"):
        compression.load_state(tmp_path / "model.pt")


def test_our_npz_loads_with_allow_pickle_false(tmp_path, state):
    compression.save_state(state, tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)


def test_safetensors_from_the_numpy_backend_loads_into_plain_torch_nn(tmp_path, dl_np):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    model = mlp(dl_np)
    compression.save_state(numpy_state(model), tmp_path / "model.safetensors")
    plain = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 12), torch.nn.ReLU(),
                                torch.nn.Linear(12, 3))
    plain.load_state_dict(load_file(tmp_path / "model.safetensors"))
    x = RNG.standard_normal((10, 8)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(plain(torch.from_numpy(x)).numpy(), model(x), atol=1e-5)   # float32, two BLAS


# ---------------------------------------------------------------- packed: pruned and quantized


@pytest.mark.parametrize("bits", [1, 2, 3, 4, 7, 8])
def test_pack_bits_round_trips(bits):
    values = RNG.integers(0, 2 ** bits, size=101)
    packed = compression.pack_bits(values, bits)
    assert packed.dtype == np.uint8 and len(packed) == -(-101 * bits // 8)
    np.testing.assert_array_equal(compression.unpack_bits(packed, bits, 101), values)


def sparse_state(dl_np, sparsity=0.9):
    model = mlp(dl_np, (64, 128, 64, 10))
    return numpy_state(PruningMask.magnitude(model, sparsity).apply(model))


@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("per_channel", [False, True])
def test_unpack_state_gives_exactly_the_quantized_state(dl_np, bits, per_channel):
    state = sparse_state(dl_np)
    restored = compression.unpack_state(compression.pack_state(state, bits, per_channel))
    expected = compression.quantized_state(state, bits, per_channel)
    assert list(restored) == list(state)
    for name, value in expected.items():
        np.testing.assert_array_equal(restored[name], value)


def test_packing_at_32_bits_keeps_the_state_exactly(dl_np):
    state = sparse_state(dl_np)
    for name, value in compression.unpack_state(compression.pack_state(state, 32)).items():
        np.testing.assert_array_equal(value, state[name])


def test_a_packed_state_holds_only_numbers_and_saves_in_every_format(tmp_path, dl_np):
    packed = compression.pack_state(sparse_state(dl_np), 8)
    assert all(value.dtype.kind in "biuf" for value in packed.values())
    for suffix in compression.FORMATS:
        compression.save_state(packed, tmp_path / f"packed{suffix}")
        restored = compression.unpack_state(compression.load_state(tmp_path / f"packed{suffix}"))
        np.testing.assert_array_equal(restored["2.weight"], compression.unpack_state(packed)["2.weight"])


def test_a_90_percent_sparse_int8_file_is_over_ten_times_smaller_than_float32(dl_np):
    dense = numpy_state(mlp(dl_np, (64, 128, 64, 10)))
    packed = compression.pack_state(sparse_state(dl_np, 0.9), 8)
    assert compression.npz_bytes(dense) > 10 * compression.npz_bytes(packed)


def test_the_size_table_lists_kilobytes_and_ratios_to_the_reference():
    table = compression.size_table({"dense.npz": 64_000, "packed.npz": 4_000}, reference="dense.npz")
    header, dense, packed = table.splitlines()
    assert "KB" in header and dense.split()[-2:] == ["64.0", "1.0"] and packed.split()[-2:] == ["4.0", "16.0"]
