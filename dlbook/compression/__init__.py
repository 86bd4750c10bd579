"""Compression: pruning, quantization, model files and their sizes.

    pruning        magnitude pruning (unstructured per layer or global; structured neurons and filters),
                   PruningMask, fine-tuning with the mask fixed, accuracy against sparsity
    quantization   affine quantization w ~ scale * (q - zero_point), per tensor or per output channel
    model_files    .npz / .safetensors / .h5 written, and read back safely (numbers only, nothing outside
                   the file, no pickle): load_state refuses anything else with a ModelFileError
    precisions     one state as float32, float16 and int8 files, their sizes, and back to float32
    packing        a pruned and quantized state as a bit mask plus bit-packed values, with a checksum

Backend-agnostic: every function takes a model of either backend (or a state: {name: NumPy array},
see dlbook.state) and works on NumPy copies of the weights. Never imports torch.
"""

from .model_files import FORMATS, ModelFileError, load_state, npz_bytes, read_npz, save_state, size_table
from .packing import checksum, pack_bits, pack_state, unpack_bits, unpack_state
from .precisions import float16_state, float32_state, int8_state, state_bytes, state_dict_file_sizes
from .pruning import (
    MaskedOptimizer,
    PruningMask,
    accuracy_vs_sparsity,
    fine_tune,
    global_magnitude_masks,
    magnitude_mask,
    prunable_names,
    structured_mask,
    weight_sparsity,
)
from .quantization import dequantize, integer_dtype, integer_range, quantize, quantized_state

__all__ = [
    "FORMATS", "MaskedOptimizer", "ModelFileError", "PruningMask", "accuracy_vs_sparsity", "checksum", "dequantize",
    "fine_tune", "float16_state", "float32_state", "global_magnitude_masks", "int8_state", "integer_dtype",
    "integer_range", "load_state", "magnitude_mask", "npz_bytes", "pack_bits", "pack_state", "prunable_names",
    "quantize", "quantized_state", "read_npz", "save_state", "size_table", "state_bytes", "state_dict_file_sizes",
    "structured_mask", "unpack_bits", "unpack_state", "weight_sparsity",
]
