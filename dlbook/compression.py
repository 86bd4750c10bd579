"""Compression: pruning, quantization, model files and their sizes.

Backend-agnostic: every function takes a model of either backend (or a state: {name: NumPy array})
and works on NumPy copies of the weights, through dl.to_numpy and load_state_dict. Never imports
torch.

Pruning (magnitude): keep the weights of largest |w|, set the others to zero.
    unstructured: single weights, with one threshold per layer or one for the whole model (global);
    structured: whole output neurons (rows of a Linear weight) or filters (C_out slices of a Conv2d
    weight), ranked by their L2 norm.
    Fine-tuning keeps the mask fixed: PruningMask.wrap(optimizer, model) re-applies it after each step.
Quantization (affine, post-training): w ~ scale * (q - zero_point), q an integer of `bits` bits,
    one (scale, zero_point) per tensor or per output channel.
Files: .npz (np.savez_compressed), .safetensors and .h5 (HDF5), all loaded without unpickling;
    pack_state / unpack_state store a pruned and quantized state as the integer values of its
    non-zeros plus a bit mask of where they are.
"""

import io
import json
import os
from pathlib import Path

import numpy as np

from . import backend_of
from .state import load_numpy_state, numpy_state


def prunable_names(state):
    """The names of the weight matrices and filters (ndim >= 2): what pruning and quantization touch.
    Biases and batch-norm statistics (1-D) are few and stay in float32."""
    return [name for name, value in state.items() if np.ndim(value) >= 2]


def weight_sparsity(model_or_state, names=None):
    """The fraction of exact zeros among the weights named (default: every prunable weight)."""
    state = model_or_state if isinstance(model_or_state, dict) else numpy_state(model_or_state)
    names = prunable_names(state) if names is None else names
    zeros = sum(int((state[name] == 0).sum()) for name in names)
    return zeros / sum(state[name].size for name in names)


# ---------------------------------------------------------------- pruning


def _count_pruned(sparsity, size):
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparsity must lie in [0, 1], got {sparsity!r}")
    return int(round(sparsity * size))


def magnitude_mask(weight, sparsity):
    """keep: a bool array of weight's shape, False at the round(sparsity * size) entries of smallest |w|
    (ties broken by position, so the sparsity is exact)."""
    weight = np.asarray(weight)
    order = np.argsort(np.abs(weight), axis=None, kind="stable")       # smallest |w| first
    keep = np.ones(weight.size, dtype=bool)
    keep[order[:_count_pruned(sparsity, weight.size)]] = False
    return keep.reshape(weight.shape)


def global_magnitude_masks(weights, sparsity):
    """One threshold for all tensors {name: array}: the smallest |w| of the whole model go, whichever
    layer they sit in. Returns {name: keep}, together exactly round(sparsity * total) False."""
    flat_keep = magnitude_mask(np.concatenate([np.ravel(w) for w in weights.values()]), sparsity)
    parts = np.split(flat_keep, np.cumsum([np.size(w) for w in weights.values()])[:-1])
    return {name: part.reshape(np.shape(w)) for (name, w), part in zip(weights.items(), parts, strict=True)}


def structured_mask(weight, sparsity):
    """keep_rows: (out,) bool, False for the round(sparsity * out) output neurons / filters whose
    weights weight[i] (a row of a Linear weight, a filter of a Conv2d weight) have the smallest L2 norm."""
    weight = np.asarray(weight)
    norms = np.sqrt((weight.reshape(len(weight), -1).astype(np.float64) ** 2).sum(axis=1))   # ||w_i||_2
    return magnitude_mask(norms, sparsity)


class PruningMask:
    """Which weights stay: {parameter name: bool array of its shape}. apply(model) zeros the others.

        mask = PruningMask.magnitude(model, 0.9)            # 90% of the weights, smallest |w| first
        mask.apply(model)
        fit(model, loss_fn, mask.wrap(optimizer, model), ...)   # fine-tune: pruned weights stay zero
    """

    def __init__(self, masks):
        self.masks = {name: np.array(keep, dtype=bool) for name, keep in masks.items()}     # own, writable copies
        self._backend_masks = {}                            # (backend, device, name) -> backend array

    @classmethod
    def magnitude(cls, model, sparsity, scope="global", names=None):
        """Unstructured magnitude pruning of the weights named (default: every prunable weight).
        scope="global": one threshold over all of them; scope="layer": each layer loses `sparsity` of its own."""
        state = numpy_state(model)
        weights = {name: state[name] for name in (prunable_names(state) if names is None else names)}
        if scope == "global":
            return cls(global_magnitude_masks(weights, sparsity))
        if scope == "layer":
            return cls({name: magnitude_mask(w, sparsity) for name, w in weights.items()})
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")

    @classmethod
    def structured(cls, model, sparsity, names=None):
        """Structured pruning: in each weight named, the fraction `sparsity` of output neurons / filters
        of smallest L2 norm goes, with its bias. Default names: every prunable weight but the last,
        whose outputs are the model's outputs (the classes)."""
        state = numpy_state(model)
        names = prunable_names(state)[:-1] if names is None else names
        masks = {}
        for name in names:
            keep_rows = structured_mask(state[name], sparsity)
            masks[name] = np.broadcast_to(keep_rows.reshape((-1,) + (1,) * (state[name].ndim - 1)),
                                          state[name].shape)
            bias = name.removesuffix("weight") + "bias"
            if name.endswith("weight") and bias in state:
                masks[bias] = keep_rows                     # a removed neuron outputs nothing, not its bias
        return cls(masks)

    @property
    def sparsity(self):
        """The fraction of masked entries that are pruned (False)."""
        return 1 - sum(int(keep.sum()) for keep in self.masks.values()) / sum(k.size for k in self.masks.values())

    def apply(self, model):
        """w <- w * mask for every masked parameter, in place (either backend); returns model."""
        dl = backend_of(model)
        parameters = dict(model.named_parameters())
        with dl.no_grad():
            for name, keep in self.masks.items():
                key = (dl.name, str(dl.device), name)
                if key not in self._backend_masks:
                    self._backend_masks[key] = dl.asarray(keep)     # bool, on the model's device
                parameters[name].data *= self._backend_masks[key]
        return model

    def apply_to_state(self, state):
        """A new state with the masked arrays zeroed where the mask is False."""
        return {name: value * self.masks[name] if name in self.masks else value.copy()
                for name, value in state.items()}

    def wrap(self, optimizer, model):
        """The optimizer, with this mask re-applied to model after every step (for fine-tuning)."""
        return MaskedOptimizer(optimizer, self, model)


class MaskedOptimizer:
    """optimizer.step(), then mask.apply(model): the pruned weights stay exactly zero while the others
    learn. Everything else (zero_grad, lr, param_groups, state) is the wrapped optimizer's."""

    def __init__(self, optimizer, mask, model):
        self.optimizer, self.mask, self.model = optimizer, mask, model

    def step(self, closure=None):
        loss = self.optimizer.step(closure)
        self.mask.apply(self.model)                         # w <- w * mask after every update
        return loss

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none)

    @property
    def lr(self):
        return self.optimizer.lr

    @lr.setter
    def lr(self, value):
        self.optimizer.lr = value

    def __getattr__(self, name):
        return getattr(self.optimizer, name)


def fine_tune(model, mask, X, Y, *, epochs=5, lr=1e-3, batch_size=32, seed=0):
    """Apply mask, then train model with Adam on (X, Y), re-applying the mask after every step.
    Returns the History of dlbook.train.fit."""
    from .train import fit

    dl = backend_of(model)
    mask.apply(model)
    optimizer = mask.wrap(dl.Adam(model.parameters(), lr=lr), model)
    return fit(model, dl.CrossEntropyLoss(), optimizer, X, Y, epochs=epochs, batch_size=batch_size, seed=seed,
               progress=False)


def accuracy_vs_sparsity(model, sparsities, X_train, Y_train, X_test, Y_test, *, epochs=5, lr=1e-3,
                         scope="global", progress=False):
    """Test accuracy of a trained model pruned to each of the increasing `sparsities`, two ways:

    'one_shot': magnitude pruning of the dense weights, no retraining;
    'retrained': gradual pruning — from the previous sparsity's fine-tuned weights, prune to the next
    sparsity and fine-tune `epochs` epochs with the mask fixed.
    The model ends with its dense weights back.

    Returns {'sparsity': (S,), 'one_shot': (S,), 'retrained': (S,), 'dense': float,
             'states': [the fine-tuned state at each sparsity]}."""
    from .train import evaluate

    if list(sparsities) != sorted(sparsities):
        raise ValueError(f"gradual pruning needs increasing sparsities, got {list(sparsities)}")
    dl = backend_of(model)
    loss_fn = dl.CrossEntropyLoss()

    def test_accuracy():
        return evaluate(model, loss_fn, X_test, Y_test)["accuracy"]

    dense = numpy_state(model)
    result = {"sparsity": np.asarray(sparsities, dtype=float), "dense": test_accuracy(), "states": []}
    one_shot, retrained = [], []
    for sparsity in sparsities:
        PruningMask.magnitude(load_numpy_state(model, dense), sparsity, scope=scope).apply(model)
        one_shot.append(test_accuracy())
    load_numpy_state(model, dense)
    steps = sparsities
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(sparsities, desc="prune and fine-tune", leave=False)
    for sparsity in steps:
        mask = PruningMask.magnitude(model, sparsity, scope=scope)      # from the last fine-tuned weights
        fine_tune(model, mask, X_train, Y_train, epochs=epochs, lr=lr)
        retrained.append(test_accuracy())
        result["states"].append(numpy_state(model))
    load_numpy_state(model, dense)
    result["one_shot"], result["retrained"] = np.array(one_shot), np.array(retrained)
    return result


# ---------------------------------------------------------------- quantization


def integer_range(bits):
    """(q_min, q_max) of a signed integer of `bits` bits: (-2^(b-1), 2^(b-1) - 1)."""
    if not isinstance(bits, (int, np.integer)) or not 2 <= bits <= 16:
        raise ValueError(f"bits must be an integer in [2, 16], got {bits!r}")
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _integer_dtype(bits):
    return np.int8 if bits <= 8 else np.int16


def quantize(w, bits=8, per_channel=False, axis=0):
    """Affine quantization: w ~ scale * (q - zero_point), q integers in [q_min, q_max] = [-2^(b-1), 2^(b-1) - 1].

    The range [min(w, 0), max(w, 0)] is mapped onto the 2^b integers:
        scale = (max - min) / (q_max - q_min),   zero_point = round(q_min - min / scale),
        q = clip(round(w / scale) + zero_point, q_min, q_max),
    so 0 is represented exactly (pruned weights stay zero) and |w - dequantize(q)| <= scale / 2.
    per_channel: one scale and zero point per slice along `axis` (per output neuron / filter for axis=0),
    kept with w's number of dimensions so that they broadcast; else one of each for the whole tensor.
    Returns (q: int8 for bits <= 8, else int16; scale: float32; zero_point: int32)."""
    w = np.asarray(w, dtype=np.float64)
    q_min, q_max = integer_range(bits)
    if per_channel:
        axis = axis % w.ndim
        reduce = tuple(i for i in range(w.ndim) if i != axis)
        low, high = w.min(axis=reduce, keepdims=True), w.max(axis=reduce, keepdims=True)
    else:
        low, high = np.asarray(w.min()), np.asarray(w.max())
    low, high = np.minimum(low, 0), np.maximum(high, 0)                  # the range holds 0
    scale = ((high - low) / (q_max - q_min)).astype(np.float32)          # step between two levels
    scale = np.where(scale > 0, scale, np.float32(1))                    # an all-zero channel: any scale
    scale64 = scale.astype(np.float64)
    zero_point = np.clip(np.round(q_min - low / scale64), q_min, q_max)  # the integer that stands for 0
    q = np.clip(np.round(w / scale64) + zero_point, q_min, q_max)
    return q.astype(_integer_dtype(bits)), scale, zero_point.astype(np.int32)


def dequantize(q, scale, zero_point):
    """w_hat = scale * (q - zero_point), float32 (scale and zero_point broadcast against q)."""
    offset = np.asarray(q, dtype=np.float32) - np.asarray(zero_point, dtype=np.float32)    # q - zero_point
    return np.asarray(scale, dtype=np.float32) * offset


def quantized_state(state, bits=8, per_channel=True, axis=0):
    """The state a quantized model computes with: every prunable weight w replaced by
    dequantize(*quantize(w, bits, per_channel, axis)); biases kept in float32."""
    names = set(prunable_names(state))
    return {name: dequantize(*quantize(value, bits, per_channel, axis)) if name in names else value.copy()
            for name, value in state.items()}


# ---------------------------------------------------------------- model files

FORMATS = (".npz", ".safetensors", ".h5")


def save_state(state, path, compression=None):
    """Write a state {name: NumPy array} to path, in the format its suffix names:
    .npz (np.savez_compressed), .safetensors (safetensors.numpy) or .h5 (HDF5 via h5py;
    compression='gzip' compresses each array). Returns the file's size in bytes."""
    path = Path(path)
    state = {name: np.ascontiguousarray(value) for name, value in state.items()}
    if path.suffix == ".npz":
        with open(path, "wb") as file:                      # a file object: savez adds no suffix
            np.savez_compressed(file, **state)
    elif path.suffix == ".safetensors":
        from safetensors.numpy import save_file

        save_file(state, str(path))
    elif path.suffix == ".h5":
        import h5py

        with h5py.File(path, "w", track_order=True) as file:
            for name, value in state.items():
                file.create_dataset(name, data=value, compression=compression if value.ndim else None)
    else:
        raise ValueError(f"unknown model file format {path.suffix!r}: use one of {FORMATS}")
    return os.path.getsize(path)


def load_state(path):
    """Read a state written by save_state. Never unpickles: np.load(allow_pickle=False), safetensors
    (a JSON header and raw bytes), HDF5 datasets of numbers."""
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}
    if path.suffix == ".safetensors":
        from safetensors.numpy import load_file

        return load_file(str(path))
    if path.suffix == ".h5":
        import h5py

        with h5py.File(path, "r") as file:
            return {name: file[name][()] for name in file}
    raise ValueError(f"unknown model file format {path.suffix!r}: use one of {FORMATS}")


def npz_bytes(state):
    """The size in bytes of np.savez_compressed(state), written to memory (no file)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **state)
    return buffer.getbuffer().nbytes


# ---------------------------------------------------------------- packed: pruned and quantized


def pack_bits(values, bits):
    """Unsigned integers < 2^bits -> bytes holding `bits` bits each (8 values of 4 bits fill 4 bytes)."""
    values = np.asarray(values, dtype=np.uint32)
    bit_planes = (values[:, None] >> np.arange(bits - 1, -1, -1, dtype=np.uint32)) & 1    # most significant first
    return np.packbits(bit_planes.astype(np.uint8).ravel())


def unpack_bits(packed, bits, count):
    """The inverse of pack_bits: `count` unsigned integers of `bits` bits each."""
    bit_planes = np.unpackbits(packed, count=count * bits).reshape(count, bits).astype(np.uint32)
    return bit_planes @ (np.uint32(1) << np.arange(bits - 1, -1, -1, dtype=np.uint32))


def pack_state(state, bits=8, per_channel=False):
    """A pruned state as five flat arrays of numbers (nothing to unpickle):

    - 'header': UTF-8 JSON of the names, shapes, bits and per_channel (how to rebuild the state);
    - 'mask': one bit per prunable weight, 1 where w != 0 (np.packbits over all of them, in order);
    - 'values': the non-zeros quantized to `bits` bits (q - q_min, bit-packed), or float32 for bits=32;
    - 'scales', 'zero_points': one per tensor, or one per output channel (per_channel);
    - 'others': biases and any other 1-D state, float32.
    A pruned zero costs one bit (less once np.savez_compressed deflates the mask), a kept weight
    `bits` bits; unpack_state inverts it."""
    names = list(state)
    weights = prunable_names(state)
    flat = [np.ravel(state[name]) for name in weights]
    keep = np.concatenate(flat + [np.zeros(0)]) != 0
    header = {"names": names, "shapes": [list(np.shape(state[name])) for name in names], "bits": int(bits),
              "per_channel": bool(per_channel)}
    packed = {
        "header": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
        "mask": np.packbits(keep),
        "others": np.concatenate([np.ravel(state[n]) for n in names if n not in weights] + [np.zeros(0)],
                                 dtype=np.float32),
    }
    if bits == 32:
        packed["values"] = np.concatenate(flat + [np.zeros(0)])[keep].astype(np.float32)
        return packed
    q_min = integer_range(bits)[0]
    values, scales, zero_points = [], [], []
    for name, w in zip(weights, flat, strict=True):
        q, scale, zero_point = quantize(state[name], bits, per_channel, axis=0)
        values.append(q.ravel()[w != 0].astype(np.int64) - q_min)           # unsigned: 0 .. 2^bits - 1
        scales.append(scale.ravel())
        zero_points.append(zero_point.ravel())
    packed["values"] = pack_bits(np.concatenate(values), bits)
    packed["scales"] = np.concatenate(scales)
    packed["zero_points"] = np.concatenate(zero_points).astype(_integer_dtype(bits))
    return packed


def unpack_state(packed):
    """The float32 state a packed one stands for: zeros where the mask is 0, the dequantized values
    elsewhere (at each non-zero exactly dequantize(*quantize(w)) of what pack_state was given)."""
    header = json.loads(bytes(packed["header"]).decode("utf-8"))
    names, bits = header["names"], header["bits"]
    shapes = {name: tuple(shape) for name, shape in zip(names, header["shapes"], strict=True)}
    weights = [name for name in names if len(shapes[name]) >= 2]
    sizes = np.array([int(np.prod(shapes[name])) for name in weights], dtype=np.int64)
    keep = np.unpackbits(packed["mask"], count=int(sizes.sum())).astype(bool)
    flat = np.zeros(keep.size, np.float32)
    if bits == 32:
        flat[keep] = packed["values"]
    else:
        q = unpack_bits(packed["values"], bits, int(keep.sum())).astype(np.float32) + integer_range(bits)[0]
        channels = np.array([shapes[name][0] if header["per_channel"] else 1 for name in weights])
        per_entry = np.repeat(sizes // channels, channels)             # weights that share each scale
        scale = np.repeat(packed["scales"], per_entry)[keep]
        zero_point = np.repeat(packed["zero_points"].astype(np.float32), per_entry)[keep]
        flat[keep] = scale * (q - zero_point)                          # w_hat = scale * (q - zero_point)
    arrays = dict(zip(weights, np.split(flat, np.cumsum(sizes)[:-1]), strict=True))
    other_names = [name for name in names if name not in arrays]
    other_sizes = [int(np.prod(shapes[name])) for name in other_names]
    arrays.update(zip(other_names, np.split(packed["others"], np.cumsum(other_sizes)[:-1]), strict=True))
    return {name: arrays[name].reshape(shapes[name]).astype(np.float32) for name in names}


def size_table(sizes, reference):
    """A plain-text table of file sizes {label: bytes}: kilobytes, and how many times smaller than
    sizes[reference] each file is."""
    width = max(len(label) for label in sizes)
    lines = [f"{'file':<{width}}  {'KB':>6}  {'x smaller':>9}"]
    lines += [f"{label:<{width}}  {size / 1000:>6.1f}  {sizes[reference] / size:>9.1f}"
              for label, size in sizes.items()]
    return "\n".join(lines)
