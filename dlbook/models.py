"""The networks the chapters build, written once: MLPs, the book's two CNNs, plain and residual stacks.

    model = mlp(dl, (64, 128, 64, 10))                 # digits MLP: Linear-ReLU-Linear-ReLU-Linear
    cnn = digits_cnn(dl)                               # Conv(32)-Pool-Conv(64)-Pool-Flatten-Dense(128)-Dense(10)

Every builder takes the backend first (`dl = dlbook.load()`; this module imports none) and a seed.
The layers that hold weights draw them from seed, seed + 1, ... in the order they come, so the same
seed gives the same network on both backends, and two networks with the same seed start alike.
"""

ACTIVATIONS = ("relu", "tanh", "sigmoid")
INITS = (None, "xavier", "kaiming", "zeros")
"""init of `linear`: None (torch.nn's default), Glorot, He, zero; or a number std (W ~ N(0, std^2))."""


def make_activation(dl, name):
    """A fresh activation layer by name: 'relu' -> dl.ReLU(), 'tanh' -> dl.Tanh(), 'sigmoid' -> dl.Sigmoid()."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {ACTIVATIONS}")
    return {"relu": dl.ReLU, "tanh": dl.Tanh, "sigmoid": dl.Sigmoid}[name]()


def linear(dl, in_features, out_features, init=None, *, seed=0):
    """dl.Linear(in_features, out_features, seed=seed): x (N, in_features) -> (N, out_features), its weight
    (out_features, in_features) drawn again by `init` from the same seed:

    None       torch.nn's default, W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (and the bias likewise);
    'xavier'   Glorot normal, Var(W) = 2 / (fan_in + fan_out), the variance-keeping choice for tanh;
    'kaiming'  He normal for ReLU, Var(W) = 2 / fan_in;
    'zeros'    W = 0 (a residual block that ends with it starts as the identity);
    a number   W ~ N(0, std^2) with std = init, blind to the layer's size.
    Every init but None also sets the bias to zero."""
    layer = dl.Linear(in_features, out_features, seed=seed)
    if init is None:
        return layer
    if init == "xavier":
        dl.xavier_normal(layer.weight, seed=seed)
    elif init == "kaiming":
        dl.kaiming_normal(layer.weight, nonlinearity="relu", seed=seed)
    elif init == "zeros":
        dl.zeros(layer.weight)
    elif isinstance(init, (int, float)) and not isinstance(init, bool) and init >= 0:
        dl.normal(layer.weight, 0.0, float(init), seed=seed)
    else:
        raise ValueError(f"unknown init {init!r}; choose one of {INITS} or a standard deviation >= 0")
    dl.zeros(layer.bias)
    return layer


def mlp(dl, sizes, activation="relu", *, dropout=0.0, batch_norm=False, init=None, seed=0):
    """The multilayer perceptron with layer widths `sizes` = (D, H_1, ..., H_k, K):

        [Linear(D, H_1) -> [BatchNorm1d] -> activation -> [Dropout(p)]] -> ... -> Linear(H_k, K)

    x: (N, D) -> logits (N, K): no activation after the last Linear. sizes of length 2 give one Linear.
    activation: 'relu', 'tanh' or 'sigmoid'; dropout: p of a Dropout after every hidden activation
    (0: none); init: the weights of every Linear (see `linear`). Linear i draws its weights from
    seed + i, Dropout i its masks from seed + 1000 + i: the same seed, the same network and masks."""
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must name at least an input and an output width, got {sizes}")
    make_activation(dl, activation)                            # an unknown name fails before any layer is made
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(linear(dl, n_in, n_out, init, seed=seed + i))
        if i == len(sizes) - 2:
            break                                              # the output layer: logits
        if batch_norm:
            layers.append(dl.BatchNorm1d(n_out))
        layers.append(make_activation(dl, activation))
        if dropout:
            layers.append(dl.Dropout(dropout, seed=seed + 1000 + i))
    return dl.Sequential(*layers)


def binary_classifier(dl, n_inputs, width=64, *, seed=0):
    """The dense binary classifier n_inputs-64-64-1: mlp(dl, (n_inputs, width, width, 1), seed=seed), ReLU.
    x: (N, n_inputs) -> one logit (N, 1). Its sigmoid is P(y = 1 | x); dl.BCEWithLogitsLoss applies it
    inside the loss (numerically stable), so the model itself ends without one."""
    return mlp(dl, (n_inputs, width, width, 1), seed=seed)


def digits_cnn(dl, channels=(32, 64), hidden=128, n_classes=10, *, seed=0):
    """The book's CNN for 8x8 digits: stages of Conv2d(3x3, padding=1) -> ReLU -> MaxPool2d(2), one per
    entry of `channels`, then Flatten -> Linear(C * s * s, hidden) -> ReLU -> Linear(hidden, n_classes)
    (hidden=None: Flatten -> Linear(C * s * s, n_classes)), with C = channels[-1], s = 8 / 2^len(channels).

    x: (N, 1, 8, 8) -> logits (N, n_classes). The default is Conv(32)-Pool-Conv(64)-Pool-Flatten-
    Dense(128)-Dense(10): (N, 32, 8, 8) -> (N, 32, 4, 4) -> (N, 64, 4, 4) -> (N, 64, 2, 2) -> (N, 256)
    -> (N, 128) -> (N, 10). The convolutions draw from seed, seed + 1, ..., the Linear layers after them."""
    layers, in_channels, size = [], 1, 8
    for i, out_channels in enumerate(channels):
        layers += [dl.Conv2d(in_channels, out_channels, 3, padding=1, seed=seed + i), dl.ReLU(), dl.MaxPool2d(2)]
        in_channels, size = out_channels, size // 2            # "same" padding keeps the size, pooling halves it
    sizes = (in_channels * size * size,) + ((hidden,) if hidden else ()) + (n_classes,)
    return dl.Sequential(*layers, dl.Flatten(), *mlp(dl, sizes, seed=seed + len(channels)))


def mnist_cnn(dl, in_channels=1, image_size=28, n_classes=10, *, seed=0):
    """The CNN usually trained on MNIST: Conv(32, 3x3)-Pool-Conv(64, 3x3)-Pool-Conv(64, 3x3)-Flatten-
    Dense(64)-Dense(10), ReLU after each convolution and the hidden Dense layer, no padding.

    x: (N, in_channels, image_size, image_size) -> logits (N, n_classes). For 28x28: 28 -> 26 -> 13 -> 11
    -> 5 -> 3, so Flatten gives 64 * 3 * 3 = 576 features (CIFAR-10's 3 x 32 x 32: 64 * 4 * 4 = 1024).
    Its five layers with weights draw from seed, ..., seed + 4."""
    size = ((image_size - 2) // 2 - 2) // 2 - 2                # each 3x3 convolution takes 2 off, pooling halves
    return dl.Sequential(
        dl.Conv2d(in_channels, 32, 3, seed=seed), dl.ReLU(), dl.MaxPool2d(2),
        dl.Conv2d(32, 64, 3, seed=seed + 1), dl.ReLU(), dl.MaxPool2d(2),
        dl.Conv2d(64, 64, 3, seed=seed + 2), dl.ReLU(), dl.Flatten(),
        dl.Linear(64 * size * size, 64, seed=seed + 3), dl.ReLU(),
        dl.Linear(64, n_classes, seed=seed + 4))


def _check_depth(depth, even=False):
    if depth < 2 or (even and depth % 2):
        kind = "an even number" if even else "a number"
        raise ValueError(f"depth must be {kind} of Linear layers >= 2, got {depth}")


def plain_network(dl, depth, width, in_features, out_features, seed=0, *, batch_norm=False):
    """Linear(in, width) -> ReLU -> [Linear(width, width) -> ReLU] x (depth - 2) -> Linear(width, out):
    `depth` Linear layers, He init (the best a plain ReLU stack can start from), zero biases.
    batch_norm=True puts a BatchNorm1d(width) between every hidden Linear and its ReLU.
    x: (N, in_features) -> (N, out_features). Layer i draws from seed + i."""
    _check_depth(depth)
    return mlp(dl, (in_features,) + (width,) * (depth - 1) + (out_features,), init="kaiming",
               batch_norm=batch_norm, seed=seed)


def residual_block(dl, width, seed=0, *, batch_norm=False):
    """Residual(ReLU -> Linear -> ReLU -> Linear): y = x + W_2 relu(W_1 relu(x) + b_1) + b_2, the
    pre-activation block of He et al. (2016b); x, y: (N, width). W_1 He-initialized (seed), W_2 = 0
    (seed + 1): the block starts as the identity. batch_norm=True puts a BatchNorm1d(width) before each
    ReLU: Residual(BN -> ReLU -> Linear -> BN -> ReLU -> Linear), still the identity at the start."""
    norm = (lambda: [dl.BatchNorm1d(width)]) if batch_norm else (lambda: [])
    return dl.Residual(dl.Sequential(*norm(), dl.ReLU(), linear(dl, width, width, "kaiming", seed=seed),
                                     *norm(), dl.ReLU(), linear(dl, width, width, "zeros", seed=seed + 1)))


def residual_network(dl, depth, width, in_features, out_features, seed=0, *, batch_norm=False):
    """Linear(in, width) -> (depth - 2) / 2 residual blocks -> ReLU -> Linear(width, out): `depth` Linear
    layers in all, as many as plain_network(dl, depth, ...), with the same first and last layer (seed and
    seed + depth - 1). batch_norm=True: blocks with batch normalization (residual_block) and a
    BatchNorm1d before the last ReLU. x: (N, in_features) -> (N, out_features)."""
    _check_depth(depth, even=True)
    layers = [linear(dl, in_features, width, "kaiming", seed=seed)]
    for i in range(1, depth - 1, 2):
        layers.append(residual_block(dl, width, seed + i, batch_norm=batch_norm))
    layers += [dl.BatchNorm1d(width)] if batch_norm else []
    layers += [dl.ReLU(), linear(dl, width, out_features, "kaiming", seed=seed + depth - 1)]
    return dl.Sequential(*layers)


def residual_conv_block(dl, channels, seed=0):
    """He et al.'s (2016) basic block for images, Residual(Conv3x3 -> BN -> ReLU -> Conv3x3 -> BN):
    y = x + F(x), with x, y: (N, C, H, W), C = channels. Padding 1 and stride 1 keep H and W, and both
    convolutions keep C, so F(x) has x's shape and the sum is defined. The last BatchNorm2d's scale gamma
    starts at 0 (Goyal et al., 2017): F(x) = 0, the block starts as the identity. The convolutions draw
    from seed and seed + 1."""
    scale_last = dl.BatchNorm2d(channels)
    dl.zeros(scale_last.weight)
    return dl.Residual(dl.Sequential(
        dl.Conv2d(channels, channels, 3, padding=1, seed=seed), dl.BatchNorm2d(channels), dl.ReLU(),
        dl.Conv2d(channels, channels, 3, padding=1, seed=seed + 1), scale_last))


def residual_cnn(dl, channels=16, n_blocks=2, n_classes=10, image_size=8, *, seed=0):
    """A small convolutional ResNet for 1-channel images (the 8x8 digits by default):

        Conv3x3(1, C) -> BN -> ReLU -> MaxPool2d(2) -> [residual_conv_block(C) -> ReLU] x n_blocks
        -> AvgPool2d(s / 2) -> Flatten -> Linear(C, n_classes)

    x: (N, 1, s, s) -> (N, C, s, s) after the stem's convolution -> (N, C, s/2, s/2) after its pooling, the
    shape every block keeps -> (N, C, 1, 1), the global average of each channel -> (N, C) -> logits
    (N, n_classes), s = image_size. The stem draws from seed, block k from
    seed + 1 + 2k, the Linear layer from seed + 1 + 2 n_blocks."""
    layers = [dl.Conv2d(1, channels, 3, padding=1, seed=seed), dl.BatchNorm2d(channels), dl.ReLU(),
              dl.MaxPool2d(2)]
    for k in range(n_blocks):
        layers += [residual_conv_block(dl, channels, seed=seed + 1 + 2 * k), dl.ReLU()]
    return dl.Sequential(*layers, dl.AvgPool2d(image_size // 2), dl.Flatten(),
                         dl.Linear(channels, n_classes, seed=seed + 1 + 2 * n_blocks))


def autoencoder(dl, in_features, latent_dim, hidden=64, *, seed=0):
    """An autoencoder: encoder Linear(in, hidden)-ReLU-Linear(hidden, latent_dim), decoder
    Linear(latent_dim, hidden)-ReLU-Linear(hidden, in); Sequential(encoder, decoder) (model[0], model[1]).
    x: (N, in_features) -> code (N, latent_dim) -> logits of the reconstruction (N, in_features)."""
    return dl.Sequential(mlp(dl, (in_features, hidden, latent_dim), seed=seed),
                         mlp(dl, (latent_dim, hidden, in_features), seed=seed + 2))


def vae(dl, in_features, latent_dim, hidden=64, *, kl_weight=None, seed=0):
    """A variational autoencoder Sequential(encoder, reparameterization, decoder): the encoder
    Linear(in, hidden)-ReLU-Linear(hidden, 2 latent_dim) gives h = [mu | logvar], the reparameterization
    layer (dlbook.generative.vae) z = mu + sigma eps, the decoder Linear(latent_dim, hidden)-ReLU-
    Linear(hidden, in) the pixel logits. kl_weight: the KL term's weight beside a per-pixel mean
    reconstruction loss; None: 1 / in_features, the ELBO per pixel."""
    from .generative.vae import reparameterization

    kl_weight = 1.0 / in_features if kl_weight is None else kl_weight
    return dl.Sequential(mlp(dl, (in_features, hidden, 2 * latent_dim), seed=seed),
                         reparameterization(dl, latent_dim, kl_weight=kl_weight, seed=seed + 2),
                         mlp(dl, (latent_dim, hidden, in_features), seed=seed + 3))


def gan_generator(dl, latent_dim, hidden, out_features, *, seed=0):
    """A GAN's generator G: z (N, latent_dim) -> x (N, out_features), Linear-ReLU-Linear-ReLU-Linear."""
    return mlp(dl, (latent_dim, hidden, hidden, out_features), seed=seed)


def gan_discriminator(dl, in_features, hidden, *, seed=0):
    """A GAN's discriminator D: x (N, in_features) -> one logit (N, 1), Linear-LeakyReLU(0.2) twice, Linear."""
    return dl.Sequential(dl.Linear(in_features, hidden, seed=seed), dl.LeakyReLU(0.2),
                         dl.Linear(hidden, hidden, seed=seed + 1), dl.LeakyReLU(0.2),
                         dl.Linear(hidden, 1, seed=seed + 2))


def denoiser(dl, in_features, hidden=128, n_frequencies=4, *, seed=0):
    """A diffusion model's noise predictor eps_theta([x_t | time features]) for flat samples: input
    in_features + 2 n_frequencies (dlbook.generative.diffusion.denoiser_input), three Linear layers with
    GELU between, output (N, in_features)."""
    return dl.Sequential(dl.Linear(in_features + 2 * n_frequencies, hidden, seed=seed), dl.GELU(),
                         dl.Linear(hidden, hidden, seed=seed + 1), dl.GELU(),
                         dl.Linear(hidden, in_features, seed=seed + 2))


def mlp_language_model(dl, vocab_size, context_length, embedding_dim, hidden_size, *, seed=0):
    """Bengio et al.'s (2003) neural language model: the k = context_length ids before a token -> logits
    of that token, through one learned embedding table shared by the k positions:

        Embedding(V, E) -> Flatten -> Linear(k E, H) -> Tanh -> Linear(H, V)

    ids (N, k) -> (N, k, E) -> x (N, k E), the k embeddings side by side -> logits (N, V). The
    Embedding draws from seed, the Linears from seed + 1 and seed + 2."""
    return dl.Sequential(
        dl.Embedding(vocab_size, embedding_dim, seed=seed),
        dl.Flatten(),
        dl.Linear(context_length * embedding_dim, hidden_size, seed=seed + 1),
        dl.Tanh(),
        dl.Linear(hidden_size, vocab_size, seed=seed + 2),
    )
