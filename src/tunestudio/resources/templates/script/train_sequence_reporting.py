"""The same wave classifier as train_sequence.py, with TuneStudio's three calls:
`trial.params` (this trial's values over the defaults), `trial.report_step` and `trial.report`
(per step and per evaluation; `report` answers whether the trial was pruned) and
`trial.checkpoint_dir` (a folder the same trial finds again when it runs again after an
interruption). Run alone, it trains with its defaults and reports nowhere:

    python train_sequence_reporting.py
"""

import time

import torch
from torch import nn
from train_sequence import WaveNet, make_waves

from tunestudio import trial

DEFAULTS = {"lr": 0.003, "weight_decay": 0.0, "channels": 16, "kernel_size": 5,
            "dropout": 0.1, "batch_size": 64, "epochs": 8, "seed": 0, "samples": 1200}


def main():
    """Trains as train_sequence.py does with this trial's parameters, going on from the
    epoch after its last checkpoint; reports each step's loss, learning rate and gradient
    norm and each epoch's val_loss and val_acc, and stops once TuneStudio prunes the trial."""
    p = trial.params(DEFAULTS)
    torch.manual_seed(p["seed"])
    torch.set_num_threads(1)
    data = torch.Generator().manual_seed(1234)
    classes, length = 4, 64
    x_train, y_train = make_waves(p["samples"], length, classes, data)
    x_val, y_val = make_waves(400, length, classes, data)
    model = WaveNet(p["channels"], p["kernel_size"], p["dropout"], classes)
    optimizer = torch.optim.AdamW(model.parameters(), lr=p["lr"],
                                  weight_decay=p["weight_decay"])
    loss_fn = nn.CrossEntropyLoss()

    saved = trial.checkpoint_dir() / "last.pt"
    first_epoch, step = 1, 0
    if saved.exists():  # this trial ran before and was interrupted: go on from there
        state = torch.load(saved, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        first_epoch, step = state["epoch"] + 1, state["step"]
        print(f"resuming after epoch {state['epoch']}")

    start = time.perf_counter()
    for epoch in range(first_epoch, p["epochs"] + 1):
        model.train()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), p["batch_size"]):
            batch = order[i:i + p["batch_size"]]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
            optimizer.step()
            step += 1
            trial.report_step(step, loss.item(), lr=p["lr"], grad_norm=grad_norm.item(),
                              epoch=epoch - 1)
        model.eval()
        with torch.no_grad():
            logits = model(x_val)
            val_loss = loss_fn(logits, y_val).item()
            val_acc = (logits.argmax(1) == y_val).float().mean().item()
        print(f"epoch {epoch} val_loss={val_loss:.4f} val_acc={val_acc:.4f} "
              f"time={time.perf_counter() - start:.1f}s")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "epoch": epoch, "step": step}, saved)
        if trial.report(epoch, step=step, val_loss=val_loss, val_acc=val_acc):
            print("pruned by TuneStudio")
            return


if __name__ == "__main__":
    main()
