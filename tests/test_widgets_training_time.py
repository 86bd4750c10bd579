"""The appendix's training-time explorer: batch size x learning rate -> loss per epoch, untimed and pure."""

import numpy as np

from dlbook.widgets import TrainingTimeExplorer
from dlbook.widgets.training_time import EPOCHS


def test_an_epoch_takes_ceil_n_over_b_steps_and_the_loss_is_recorded_per_epoch():
    result = TrainingTimeExplorer().compute(batch_size=512, lr=0.1)
    assert result["steps_per_epoch"] == 3                       # 1437 training digits
    assert result["train_loss"].shape == (EPOCHS,) and list(result["steps"]) == [3, 6, 9][:EPOCHS]


def test_at_the_same_learning_rate_a_smaller_batch_gets_further_per_epoch():
    explorer = TrainingTimeExplorer()
    small, large = (explorer.compute(batch_size=b, lr=0.1)["train_loss"][-1] for b in (16, 512))
    assert small < large


def test_compute_is_pure_the_same_sliders_give_the_same_losses():
    first, second = (TrainingTimeExplorer().compute(batch_size=64, lr=1.0)["train_loss"] for _ in range(2))
    np.testing.assert_array_equal(first, second)
