"""dlbook.experiments.model_sizes: parameter and compute counts from layer specs, against dlbook's own layers and
against the published sizes of VGG-16, ResNet-50 and GPT-3."""

import pytest

from dlbook.experiments import model_sizes as ms


def test_a_convolution_has_k_k_cin_cout_weights_plus_one_bias_per_filter():
    conv = ms.Conv(16, 3, padding=1)
    assert conv.parameters((8, 10, 10)) == 3 * 3 * 8 * 16 + 16
    assert conv.output_shape((8, 10, 10)) == (16, 10, 10)
    assert conv.macs((8, 10, 10)) == 3 * 3 * 8 * 16 * 10 * 10


def test_stride_and_padding_set_the_output_size_as_torch_does():
    assert ms.Conv(4, 7, stride=2, padding=3).output_shape((3, 224, 224)) == (4, 112, 112)
    assert ms.MaxPool(3, 2, padding=1).output_shape((4, 112, 112)) == (4, 56, 56)
    assert ms.MaxPool(2).output_shape((4, 7, 7)) == (4, 3, 3)


def test_counts_equal_the_parameters_of_the_same_network_built_from_dlbook_layers(dl):
    specs = [ms.Conv(8, 3, padding=1), ms.MaxPool(2), ms.Conv(16, 3, padding=1, bias=False), ms.BatchNorm(),
             ms.MaxPool(2), ms.Flatten(), ms.Dense(32), ms.Dense(10)]
    model = dl.Sequential(dl.Conv2d(1, 8, 3, padding=1), dl.MaxPool2d(2), dl.Conv2d(8, 16, 3, padding=1, bias=False),
                          dl.BatchNorm2d(16), dl.MaxPool2d(2), dl.Flatten(), dl.Linear(64, 32), dl.Linear(32, 10))
    assert ms.count_parameters(specs, (1, 8, 8)) == sum(p.numel() for p in model.parameters())


def test_vgg16_has_exactly_torchvisions_138357544_parameters():
    assert ms.count_parameters(ms.vgg16(), (3, 224, 224)) == 138_357_544


def test_resnet50_has_exactly_torchvisions_25557032_parameters():
    assert ms.count_parameters(ms.resnet50(), (3, 224, 224)) == 25_557_032


def test_resnet50_has_fifty_weighted_layers_on_its_main_path():
    convs = sum(len([layer for layer in block.branch if isinstance(layer, ms.Conv)])
                for block in ms.resnet50() if isinstance(block, ms.Residual))
    assert 1 + convs + 1 == 50                     # the stem, 16 blocks x 3, the classifier


@pytest.mark.parametrize("name", ["VGG-16", "ResNet-50", "GPT-3 175B"])
def test_counted_parameters_are_within_two_percent_of_the_published_ones(name):
    layers, shape = ms.large_models()[name]
    assert ms.relative_error(ms.count_parameters(layers, shape), ms.PUBLISHED[name]["parameters"]) < 0.02


@pytest.mark.parametrize("name", ["VGG-16", "ResNet-50"])
def test_counted_multiply_adds_are_within_three_percent_of_he_et_al(name):
    layers, shape = ms.large_models()[name]
    assert ms.relative_error(ms.count_macs(layers, shape), ms.PUBLISHED[name]["macs"]) < 0.03


@pytest.mark.parametrize("name", list(ms.GPT3_FAMILY))
def test_every_gpt3_size_is_within_two_percent_of_table_2_1(name):
    counted = ms.count_parameters(*ms.gpt3(name))
    assert ms.relative_error(counted, ms.GPT3_PUBLISHED_PARAMETERS[name]) < 0.02, counted


def test_a_transformer_block_has_12_d_squared_plus_13_d_parameters():
    d = 64
    block = ms.transformer_block(d, n_heads=4)
    assert ms.count_parameters(block, (10, d)) == 12 * d * d + 13 * d


def test_gpt3_training_compute_is_six_n_d_about_3_14e23_flops():
    n_params = ms.count_parameters(*ms.gpt3())
    flops = ms.training_flops(n_params, ms.GPT3_TRAINING_TOKENS)
    assert ms.relative_error(flops, ms.PUBLISHED["GPT-3 175B"]["training_flops"]) < 0.01
    assert abs(ms.petaflop_s_days(flops) - 3640) < 40              # Brown et al., Table D.1: 3.64E+03


def test_a_forward_pass_costs_about_one_multiply_add_per_parameter_per_token():
    layers, shape = ms.gpt3()
    per_token = ms.count_macs(layers, shape) / shape[0]
    n_params = ms.count_parameters(layers, shape)
    assert 1.0 < per_token / n_params < 1.05                        # attention adds ~3% at 2048 tokens


def test_summary_ends_with_the_totals():
    rows = ms.summary(ms.vgg16(), (3, 224, 224))
    assert rows[-1][0] == "total" and rows[-1][2] == 138_357_544 and rows[-1][1] == (1000,)


def test_a_residual_whose_branch_and_shortcut_disagree_is_refused():
    block = ms.Residual((ms.Conv(8, 3, padding=1),), name="broken")
    with pytest.raises(ValueError, match="broken"):
        block.output_shape((4, 8, 8))


def test_deeper_resnets_match_torchvision_and_he_et_al():
    assert ms.count_parameters(ms.resnet((3, 4, 23, 3)), (3, 224, 224)) == 44_549_160       # ResNet-101
    assert ms.count_parameters(ms.resnet((3, 8, 36, 3)), (3, 224, 224)) == 60_192_808       # ResNet-152
    assert ms.relative_error(ms.count_macs(ms.resnet((3, 8, 36, 3)), (3, 224, 224)), 11.3e9) < 0.01


def test_training_flops_from_macs_is_six_n_d_when_macs_per_token_equal_the_parameters():
    assert ms.training_flops_from_macs(1e9, 1e12) == ms.training_flops(1e9, 1e12) == 6e21
