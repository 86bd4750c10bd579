"""Model sizes: parameters and compute of a network, counted from its list of layers.

A network is described by layer *specs* (no weights are allocated, so GPT-3 fits in a few bytes):

    layers = [Conv(64, 3, padding=1), MaxPool(2), Flatten(), Dense(10)]
    table = summary(layers, input_shape=(3, 32, 32))     # one row per layer
    count_parameters(layers, (3, 32, 32)), count_macs(layers, (3, 32, 32))

Each spec knows its output shape, its parameters and its multiply-accumulates (MACs) for one input:

    Conv(C_out, k):  params k*k*C_in*C_out + C_out          MACs k*k*C_in*C_out * H_out*W_out
    Dense(n_out):    params n_in*n_out + n_out              MACs n_in*n_out (per row of the input)
    BatchNorm:       params 2*C (scale gamma, shift beta)   LayerNorm: 2*d
    Embedding(V, d): params V*d (a table lookup: no MACs)
    Attention(h):    no params; MACs 2*T*T*d (scores Q K^T, then the weighted sum of V)
    Residual(branch, shortcut): y = branch(x) + shortcut(x) (identity when shortcut is empty)

Only the products of Conv, Dense, Attention and the output projection are counted: normalization,
activations and pooling cost a few operations per value, under 1% of the total here. One MAC is a
multiply and an add, 2 FLOPs. He et al. (2016) report "FLOPs" that are multiply-adds, i.e. MACs.

Training compute: a forward pass costs ~2 FLOPs per parameter per token (one MAC per weight), the
backward pass twice that (gradients for the inputs and for the weights), so training on D tokens
costs C ~ 6 N D FLOPs (Kaplan et al., 2020).
"""

from dataclasses import dataclass, field
from math import prod

# ---------------------------------------------------------------- layer specs


def conv_output_size(size, kernel_size, stride=1, padding=0):
    """floor((n + 2p - k) / s) + 1: the output length of a convolution or pooling window, as torch."""
    return (size + 2 * padding - kernel_size) // stride + 1


@dataclass(frozen=True)
class Conv:
    """2-D convolution on (C, H, W): C_out filters of k x k x C_in (torch.nn.Conv2d's shapes)."""

    out_channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    bias: bool = True

    def output_shape(self, shape):
        _, height, width = shape
        return (self.out_channels, *(conv_output_size(n, self.kernel_size, self.stride, self.padding)
                                     for n in (height, width)))

    def parameters(self, shape):
        weights = self.kernel_size**2 * shape[0] * self.out_channels     # k * k * C_in * C_out
        return weights + (self.out_channels if self.bias else 0)          # + C_out biases

    def macs(self, shape):
        _, height, width = self.output_shape(shape)                       # k * k * C_in * C_out at each
        return self.kernel_size**2 * shape[0] * self.out_channels * height * width    # of H' * W' positions


@dataclass(frozen=True)
class Dense:
    """Fully connected y = x W^T + b on the last axis: (..., n_in) -> (..., n_out)."""

    out_features: int
    bias: bool = True

    def output_shape(self, shape):
        return (*shape[:-1], self.out_features)

    def parameters(self, shape):
        return shape[-1] * self.out_features + (self.out_features if self.bias else 0)

    def macs(self, shape):
        return prod(shape[:-1]) * shape[-1] * self.out_features     # n_in * n_out per row


@dataclass(frozen=True)
class MaxPool:
    """Max pooling over k x k windows (stride k unless given): no parameters."""

    kernel_size: int
    stride: int | None = None
    padding: int = 0

    def output_shape(self, shape):
        channels, height, width = shape
        stride = self.stride or self.kernel_size
        return (channels, *(conv_output_size(n, self.kernel_size, stride, self.padding) for n in (height, width)))

    def parameters(self, shape):
        return 0

    def macs(self, shape):
        return 0


@dataclass(frozen=True)
class GlobalAvgPool:
    """The mean over each channel's H x W values: (C, H, W) -> (C,)."""

    def output_shape(self, shape):
        return (shape[0],)

    def parameters(self, shape):
        return 0

    def macs(self, shape):
        return 0


@dataclass(frozen=True)
class Flatten:
    def output_shape(self, shape):
        return (prod(shape),)

    def parameters(self, shape):
        return 0

    def macs(self, shape):
        return 0


@dataclass(frozen=True)
class BatchNorm:
    """Batch normalization over channels (axis 0): gamma and beta, 2 * C parameters
    (the running mean and variance are buffers, not parameters)."""

    def output_shape(self, shape):
        return shape

    def parameters(self, shape):
        return 2 * shape[0]

    def macs(self, shape):
        return 0


@dataclass(frozen=True)
class LayerNorm:
    """Layer normalization over the last axis d: gamma and beta, 2 * d parameters."""

    def output_shape(self, shape):
        return shape

    def parameters(self, shape):
        return 2 * shape[-1]

    def macs(self, shape):
        return 0


@dataclass(frozen=True)
class Embedding:
    """A table of num_embeddings vectors of size dim: token ids (T,) -> (T, dim). V * d parameters."""

    num_embeddings: int
    dim: int

    def output_shape(self, shape):
        return (*shape, self.dim)

    def parameters(self, shape):
        return self.num_embeddings * self.dim

    def macs(self, shape):
        return 0


@dataclass(frozen=True)
class PositionEmbedding:
    """Learned positions: one vector per position up to n_ctx, added to x: (T, d) -> (T, d); n_ctx * d."""

    n_ctx: int

    def output_shape(self, shape):
        return shape

    def parameters(self, shape):
        return self.n_ctx * shape[-1]

    def macs(self, shape):
        return 0


@dataclass(frozen=True)
class Attention:
    """Scaled dot-product attention of the heads on (T, 3d) = [Q | K | V] -> (T, d): no parameters
    of its own (the Q, K, V and output projections are Dense layers around it).
    MACs: T * T * d for the scores Q K^T and T * T * d for the weighted sum of V (full, non-causal count)."""

    n_heads: int

    def output_shape(self, shape):
        return (*shape[:-1], shape[-1] // 3)

    def parameters(self, shape):
        return 0

    def macs(self, shape):
        tokens, d_model = shape[-2], shape[-1] // 3
        return 2 * tokens * tokens * d_model


@dataclass(frozen=True)
class TiedOutput:
    """Logits over the vocabulary with the embedding table's weights (x E^T): V * d MACs per token,
    no new parameters (GPT-2 and GPT-3 tie them)."""

    vocab_size: int

    def output_shape(self, shape):
        return (*shape[:-1], self.vocab_size)

    def parameters(self, shape):
        return 0

    def macs(self, shape):
        return prod(shape[:-1]) * shape[-1] * self.vocab_size


@dataclass(frozen=True)
class Residual:
    """y = branch(x) + shortcut(x): the shortcut is the identity when empty, else its own layers
    (e.g. a 1x1 convolution that matches the branch's shape)."""

    branch: tuple
    shortcut: tuple = field(default=())
    name: str = "residual"

    def output_shape(self, shape):
        out = walk(self.branch, shape)[-1]["output_shape"]
        across = walk(self.shortcut, shape)[-1]["output_shape"] if self.shortcut else shape
        if out != across:
            raise ValueError(f"{self.name}: branch gives {out}, shortcut gives {across}; they must match to add")
        return out

    def parameters(self, shape):
        return sum(row["parameters"] for row in walk(self.branch + self.shortcut, shape, restart=len(self.branch)))

    def macs(self, shape):
        return sum(row["macs"] for row in walk(self.branch + self.shortcut, shape, restart=len(self.branch)))


# ---------------------------------------------------------------- counting


def walk(layers, input_shape, restart=None):
    """One row per layer: {'layer', 'input_shape', 'output_shape', 'parameters', 'macs'}.
    restart: start again from input_shape at that index (the shortcut after a residual's branch)."""
    rows, shape = [], tuple(input_shape)
    for index, layer in enumerate(layers):
        if index == restart:
            shape = tuple(input_shape)
        out = layer.output_shape(shape)
        rows.append({"layer": layer, "input_shape": shape, "output_shape": out,
                     "parameters": layer.parameters(shape), "macs": layer.macs(shape)})
        shape = out
    if not rows:
        raise ValueError("an empty list of layers has no size")
    return rows


def count_parameters(layers, input_shape):
    """The number of learned parameters of a network given by its layer specs."""
    return sum(row["parameters"] for row in walk(layers, input_shape))


def count_macs(layers, input_shape):
    """Multiply-accumulates of one forward pass on one input (one image, or one sequence of T tokens)."""
    return sum(row["macs"] for row in walk(layers, input_shape))


def summary(layers, input_shape):
    """Rows (name, output shape, parameters, MACs) per layer, and a total row, for printing."""
    rows = [(type(row["layer"]).__name__ if not isinstance(row["layer"], Residual) else row["layer"].name,
             row["output_shape"], row["parameters"], row["macs"]) for row in walk(layers, input_shape)]
    rows.append(("total", rows[-1][1], sum(row[2] for row in rows), sum(row[3] for row in rows)))
    return rows


def training_flops(n_params, n_tokens):
    """C ~ 6 N D: 2 FLOPs per parameter per token forward, 4 backward (Kaplan et al., 2020)."""
    return 6 * n_params * n_tokens


def training_flops_from_macs(macs_per_example, n_examples):
    """3 x forward FLOPs x examples seen, forward FLOPs = 2 x MACs: the same rule for any network (a
    transformer's MACs per token are ~N, which gives 6 N D)."""
    return 6 * macs_per_example * n_examples


def petaflop_s_days(flops):
    """FLOPs in the unit of Brown et al. (2020): one petaFLOP per second for a day, 8.64e19 FLOPs."""
    return flops / (1e15 * 24 * 3600)


# ---------------------------------------------------------------- the networks


VGG16_CHANNELS = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def vgg16(num_classes=1000):
    """VGG-16, configuration D of Simonyan & Zisserman (2015): thirteen 3x3 convolutions with ReLU in
    five stages, each closed by 2x2 max pooling, then FC-4096, FC-4096, FC-1000. Input (3, 224, 224)."""
    layers = [MaxPool(2) if width == "M" else Conv(width, 3, padding=1) for width in VGG16_CHANNELS]
    return layers + [Flatten(), Dense(4096), Dense(4096), Dense(num_classes)]


def bottleneck(width, stride, in_channels):
    """ResNet's bottleneck block: 1x1 (width) -> 3x3 (width) -> 1x1 (4 width), each convolution
    without bias and followed by batch norm; a 1x1 projection on the shortcut where the shape changes.
    The stride sits on the first 1x1, as in He et al. (2016) (torchvision's "v1.5" moves it to the 3x3:
    the same parameters, ~7% more MACs)."""
    branch = (Conv(width, 1, stride=stride, bias=False), BatchNorm(),
              Conv(width, 3, padding=1, bias=False), BatchNorm(),
              Conv(4 * width, 1, bias=False), BatchNorm())
    projection = stride != 1 or in_channels != 4 * width
    shortcut = (Conv(4 * width, 1, stride=stride, bias=False), BatchNorm()) if projection else ()
    return Residual(branch, shortcut, name=f"bottleneck {width}")


def resnet(blocks_per_stage=(3, 4, 6, 3), num_classes=1000):
    """A bottleneck ResNet (He et al., 2016): a 7x7/2 convolution, 3x3/2 max pooling, four stages of
    bottleneck blocks of widths 64, 128, 256, 512 (the first block of stages 2-4 halves the size),
    global average pooling and FC-1000. Input (3, 224, 224). (3, 4, 6, 3) is ResNet-50, (3, 4, 23, 3)
    ResNet-101, (3, 8, 36, 3) ResNet-152."""
    layers, channels = [Conv(64, 7, stride=2, padding=3, bias=False), BatchNorm(), MaxPool(3, 2, padding=1)], 64
    for stage, blocks in enumerate(blocks_per_stage):
        width = 64 * 2**stage
        for block in range(blocks):
            layers.append(bottleneck(width, 2 if block == 0 and stage > 0 else 1, channels))
            channels = 4 * width
    return layers + [GlobalAvgPool(), Dense(num_classes)]


def resnet50(num_classes=1000):
    """ResNet-50: 3 + 4 + 6 + 3 bottleneck blocks (16 x 3 = 48 convolutions), with the stem and the
    classifier 50 layers with weights."""
    return resnet((3, 4, 6, 3), num_classes)


def transformer_block(d_model, n_heads):
    """One GPT block (pre-norm): x + Attention(LN(x)), then x + MLP(LN(x)) with the MLP d -> 4d -> d.
    Parameters: Q, K, V and output projections 4 d^2 + 4 d; MLP 8 d^2 + 5 d; two LayerNorms 4 d:
    12 d^2 + 13 d in all."""
    attention = Residual((LayerNorm(), Dense(3 * d_model), Attention(n_heads), Dense(d_model)), name="attention")
    mlp = Residual((LayerNorm(), Dense(4 * d_model), Dense(d_model)), name="MLP")
    return [attention, mlp]


def gpt(n_layers, d_model, n_heads, vocab_size=50257, n_ctx=2048):
    """A GPT-2/3-style decoder on token ids (n_ctx,): token and position embeddings, n_layers blocks,
    a final LayerNorm, logits through the (tied) token embedding. Input shape: (n_ctx,)."""
    layers = [Embedding(vocab_size, d_model), PositionEmbedding(n_ctx)]
    for _ in range(n_layers):
        layers += transformer_block(d_model, n_heads)
    return layers + [LayerNorm(), TiedOutput(vocab_size)]


# The GPT-3 family: (layers, d_model, heads), Brown et al. (2020), Table 2.1; context 2048, vocabulary 50257.
GPT3_FAMILY = {
    "GPT-3 Small": (12, 768, 12), "GPT-3 Medium": (24, 1024, 16), "GPT-3 Large": (24, 1536, 16),
    "GPT-3 XL": (24, 2048, 24), "GPT-3 2.7B": (32, 2560, 32), "GPT-3 6.7B": (32, 4096, 32),
    "GPT-3 13B": (40, 5140, 40), "GPT-3 175B": (96, 12288, 96),
}
GPT3_TRAINING_TOKENS = 300e9                   # every model of the family, Brown et al. (2020), Section 2.2

# Published numbers to check the counts against, with where they were published.
PUBLISHED = {
    "VGG-16": {"parameters": 138e6, "macs": 15.3e9,
               "source": "Simonyan & Zisserman (2015), Table 2 (138M); He et al. (2016), Sec. 4.1 (15.3 GFLOPs)"},
    "ResNet-50": {"parameters": 25.6e6, "macs": 3.8e9,
                  "source": "torchvision's model table (25,557,032); He et al. (2016), Table 1 (3.8e9 FLOPs)"},
    "GPT-3 175B": {"parameters": 175e9, "training_flops": 3.14e23,
                   "source": "Brown et al. (2020), Table 2.1 (175.0B) and Table D.1 (3.14e23 FLOPs)"},
}
GPT3_PUBLISHED_PARAMETERS = {
    "GPT-3 Small": 125e6, "GPT-3 Medium": 350e6, "GPT-3 Large": 760e6, "GPT-3 XL": 1.3e9, "GPT-3 2.7B": 2.7e9,
    "GPT-3 6.7B": 6.7e9, "GPT-3 13B": 13.0e9, "GPT-3 175B": 175.0e9,
}


def gpt3(name="GPT-3 175B"):
    """(layers, input_shape) of a member of the GPT-3 family."""
    n_layers, d_model, n_heads = GPT3_FAMILY[name]
    return gpt(n_layers, d_model, n_heads), (2048,)


def large_models():
    """{name: (layers, input_shape)} for VGG-16, ResNet-50 and GPT-3 175B."""
    return {"VGG-16": (vgg16(), (3, 224, 224)), "ResNet-50": (resnet50(), (3, 224, 224)),
            "GPT-3 175B": gpt3("GPT-3 175B")}


def relative_error(counted, published):
    """|counted - published| / published."""
    return abs(counted - published) / published
