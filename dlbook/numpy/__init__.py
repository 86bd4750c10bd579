"""The NumPy reference backend: every forward and every backward written out by hand.

Never imports torch. Exports the same names, with the same signatures, as dlbook.torch.
"""

from .. import schedules
from ..core.errors import NonFiniteError, ShapeError, TargetError
from ..core.init import calculate_gain, manual_seed
from .activations import GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .attention import MultiheadAttention, ScaledDotProductAttention, scaled_dot_product_attention
from .conv import Conv2d
from .conv_transpose import ConvTranspose2d
from .embedding import Embedding
from .init import (
    constant,
    kaiming_normal,
    kaiming_uniform,
    normal,
    ones,
    uniform,
    xavier_normal,
    xavier_uniform,
    zeros,
)
from .layers import BatchNorm1d, BatchNorm2d, Dropout, Flatten, Linear
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from .module import Module, Parameter, Sequential
from .normalization import LayerNorm
from .optim import SGD, Adam, AdamW, Optimizer, RMSprop, clip_grad_norm_
from .pooling import AvgPool2d, MaxPool2d
from .recurrent import GRU, LSTM, RNN, LastTimeStep
from .residual import Residual
from .tensor import asarray, device, get_default_dtype, is_finite, no_grad, set_default_dtype, to_numpy
from .transformer import TransformerEncoderLayer
from .upsample import Upsample

name = "numpy"

__all__ = [
    "Adam", "AdamW", "BCEWithLogitsLoss", "BatchNorm1d", "CrossEntropyLoss", "Dropout", "GELU", "LeakyReLU",
    "Linear", "MSELoss", "Module", "NonFiniteError", "Optimizer", "Parameter", "RMSprop", "ReLU", "SGD",
    "Sequential", "ShapeError", "Sigmoid", "Softmax", "Tanh", "TargetError", "asarray", "calculate_gain",
    "clip_grad_norm_", "constant", "device", "get_default_dtype", "is_finite", "kaiming_normal",
    "kaiming_uniform", "name", "no_grad", "normal", "ones", "schedules", "set_default_dtype", "to_numpy",
    "uniform", "xavier_normal", "xavier_uniform", "zeros",
]
__all__ += ["manual_seed"]                                          # seed=None draws (dlbook.core.init)
__all__ += ["GRU", "LSTM", "LastTimeStep", "RNN", "Residual"]      # sequence layers, residual blocks
__all__ += ["AvgPool2d", "BatchNorm2d", "Conv2d", "Flatten", "MaxPool2d"]      # spatial layers
__all__ += ["Embedding", "LayerNorm", "MultiheadAttention", "ScaledDotProductAttention",      # language models
            "TransformerEncoderLayer", "scaled_dot_product_attention"]
__all__ += ["ConvTranspose2d", "Upsample"]      # generative layers
