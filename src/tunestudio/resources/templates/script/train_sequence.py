"""Classify noisy waves by their frequency with a small 1-D convolutional network.

A plain PyTorch training script: argparse for its settings, a loop, one printed line per
epoch. It knows nothing of TuneStudio; the project beside it tunes it unchanged, reading the
`key=value` pairs it prints.

    python train_sequence.py --lr 0.003 --channels 16 --epochs 8
"""

import argparse
import math
import time

import torch
from torch import nn


def make_waves(n, length, classes, generator):
    """n sequences of `length` samples: a sine of one of `classes` frequencies, random phase and
    amplitude, plus noise; the label is the frequency's index."""
    labels = torch.randint(0, classes, (n,), generator=generator)
    freqs = 1.0 + labels.float() * 0.6
    phase = torch.rand(n, 1, generator=generator) * 2 * math.pi
    amp = 0.5 + torch.rand(n, 1, generator=generator)
    t = torch.linspace(0, 2 * math.pi, length).unsqueeze(0)
    waves = amp * torch.sin(freqs.unsqueeze(1) * t + phase)
    waves = waves + 0.6 * torch.randn(n, length, generator=generator)
    return waves.unsqueeze(1), labels


class WaveNet(nn.Module):
    """Two 1-D convolutions (`channels`, then 2 * `channels` filters of `kernel_size`
    samples) and a linear head after dropout: waves shaped (batch, 1, length) in, class
    logits shaped (batch, `classes`) out."""

    def __init__(self, channels, kernel_size, dropout, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, channels, kernel_size, padding=kernel_size // 2), nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(channels, channels * 2, kernel_size, padding=kernel_size // 2), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(channels * 2, classes))

    def forward(self, x):
        return self.head(self.features(x))


def main():
    """Parses the command line, trains with AdamW and cross-entropy for `--epochs` epochs and
    prints one line per epoch: `epoch N train_loss=... val_loss=... val_acc=... time=...s`
    (seconds since training started)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.003, help="learning rate")
    parser.add_argument("--weight-decay", type=float, default=0.0, help="AdamW weight decay")
    parser.add_argument("--channels", type=int, default=16, help="filters of the first layer")
    parser.add_argument("--kernel-size", type=int, default=5, help="convolution width")
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=1200, help="training sequences")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    data = torch.Generator().manual_seed(1234)  # the same data set for every trial
    classes, length = 4, 64
    x_train, y_train = make_waves(args.samples, length, classes, data)
    x_val, y_val = make_waves(400, length, classes, data)

    model = WaveNet(args.channels, args.kernel_size, args.dropout, classes)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr,
                                  weight_decay=args.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train))
        total = 0.0
        for i in range(0, len(order), args.batch_size):
            batch = order[i:i + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        model.eval()
        with torch.no_grad():
            logits = model(x_val)
            val_loss = loss_fn(logits, y_val).item()
            val_acc = (logits.argmax(1) == y_val).float().mean().item()
        print(f"epoch {epoch} train_loss={total / len(x_train):.4f} val_loss={val_loss:.4f} "
              f"val_acc={val_acc:.4f} time={time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
