import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from skae._loss import entry_entropies, entry_losses, observed_entries, row_means
from skae._module import AutoencoderModule
from skae._net import AutoencoderNet


def test_a_target_without_holes_is_returned_as_is_with_no_mask():
    target = torch.rand(4, 3)
    filled, observed = observed_entries(target)
    assert filled is target and observed is None


def test_holes_are_filled_with_zero_and_left_out_of_each_rows_mean():
    target = torch.tensor([[1.0, float("nan"), 3.0], [float("nan")] * 3])
    filled, observed = observed_entries(target)
    assert torch.equal(filled, torch.tensor([[1.0, 0.0, 3.0], [0.0, 0.0, 0.0]]))
    entries = torch.tensor([[1.0, 100.0, 3.0], [5.0, 5.0, 5.0]])
    # a row with no observed entry carries no loss
    assert torch.equal(row_means(entries, observed), torch.tensor([2.0, 0.0]))
    assert torch.equal(row_means(entries), entries.mean(dim=1))


@pytest.mark.parametrize("bce", [True, False])
def test_entry_losses_are_the_fused_criterions_unreduced(bce):
    generator = torch.Generator().manual_seed(0)
    output = torch.randn(5, 4, generator=generator)
    target = torch.rand(5, 4, generator=generator)
    criterion = torch.nn.BCEWithLogitsLoss() if bce else torch.nn.MSELoss()
    assert_allclose(
        entry_losses(output, target, bce).mean(), criterion(output, target), rtol=1e-6
    )


def test_cross_entropy_less_entropy_is_zero_at_a_perfect_reconstruction():
    target = torch.tensor([[0.0, 0.25, 1.0]])
    logits = torch.logit(target.clamp(1e-7, 1 - 1e-7))
    divergence = entry_losses(logits, target, True) - entry_entropies(target)
    assert_allclose(divergence, torch.zeros_like(target), atol=1e-5)


@pytest.fixture
def net():
    module = AutoencoderModule(3, 2, (), generator=torch.Generator().manual_seed(0))
    net = AutoencoderNet(module=module, criterion=torch.nn.MSELoss, masked=True)
    return net.initialize()


def test_a_masked_net_feeds_holes_as_zero_and_learns_nothing_from_them(net):
    X = torch.tensor([[1.0, float("nan"), -1.0], [0.5, 2.0, float("nan")]])
    output = net.infer(X)
    assert torch.equal(output[0], net.infer(torch.nan_to_num(X))[0])
    loss = net.get_loss(output, X, training=True)
    reconstruction = output[0]
    expected = torch.stack(
        [
            ((reconstruction[0, [0, 2]] - X[0, [0, 2]]) ** 2).mean(),
            ((reconstruction[1, :2] - X[1, :2]) ** 2).mean(),
        ]
    ).mean()
    assert torch.allclose(loss, expected)
    reconstruction.retain_grad()
    loss.backward()
    assert reconstruction.grad[0, 1] == 0 and reconstruction.grad[1, 2] == 0
    assert np.isfinite(reconstruction.grad.numpy()).all()


def test_an_unmasked_net_keeps_the_fused_criterion(net):
    net.set_params(masked=False)
    X = torch.rand(4, 3)
    output = net.infer(X)
    assert torch.equal(net.get_loss(output, X), torch.nn.MSELoss()(output[0], X))


def test_masking_noise_makes_holes_and_a_seed_hides_the_same_entries_each_pass():
    from skae._net import ArrayDataset, BatchIterator

    dataset = ArrayDataset(np.arange(40, dtype=np.float32).reshape(10, 4))
    iterator = BatchIterator(
        dataset, 4, noise=0.5, noise_type="masking", holes=True, seed=3
    )
    first = [inputs for inputs, _ in iterator]
    second = [inputs for inputs, _ in iterator]
    holes = torch.isnan(torch.cat(first))
    assert 0 < holes.float().mean() < 1
    assert torch.equal(holes, torch.isnan(torch.cat(second)))
    targets = torch.cat([target for _, target in iterator])
    assert not torch.isnan(targets).any()


def test_the_initial_validation_loss_is_skorchs_valid_loss_before_training():
    from skorch.helper import predefined_split

    from skae._net import ArrayDataset, BatchIterator, InitialValidationLoss

    module = AutoencoderModule(3, 2, (), generator=torch.Generator().manual_seed(0))
    data = ArrayDataset(np.random.default_rng(0).random((30, 3), dtype=np.float32))
    train, valid = data.split(10, torch.Generator().manual_seed(0))
    net = AutoencoderNet(
        module=module,
        criterion=torch.nn.MSELoss,
        optimizer__lr=0.0,
        iterator_train=BatchIterator,
        iterator_valid=BatchIterator,
        train_split=predefined_split(valid),
        batch_size=4,
        callbacks=[("initial", InitialValidationLoss())],
        max_epochs=1,
        verbose=0,
    ).fit(train)
    # a learning rate of 0 leaves the weights as they were: the same loss
    initial = dict(net.callbacks_)["initial"].loss_
    assert initial == pytest.approx(net.history[-1, "valid_loss"], rel=1e-6)
