"""export-model: a trial's stored model (its best checkpoint) as a state dict, TorchScript or
ONNX file. torch loads only when the command runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tunestudio.cli.common import Subparsers, add_project, experiment_name, load

FORMATS = ("state_dict", "torchscript", "onnx")


def _cmd_export_model(args: argparse.Namespace) -> int:
    from tunestudio.search.model_export import export_trial_model

    project, project_path = load(args.path)
    name = experiment_name(project, args.experiment)
    done = export_trial_model(project, args.trial, Path(args.output), args.format,
                              experiment=name, base_dir=project_path.parent,
                              check=not args.no_check)
    if done.checked:
        agree = "" if done.same_predictions is None else \
            f", predicted classes {'all equal' if done.same_predictions else 'DIFFER'}"
        print(f"{args.output}: trial #{done.number} as {done.format}; on {done.checked} "
              f"validation samples the largest output difference from the stored model is "
              f"{done.max_abs_difference:.3g}{agree}", file=sys.stderr)
    else:
        print(f"{args.output}: trial #{done.number} as {done.format}"
              f"{'; ' + done.note if done.note else ''}", file=sys.stderr)
    print(json.dumps({"trial_id": done.trial_id, "number": done.number, "format": done.format,
                      "files": [str(f) for f in done.files], "metadata": str(done.metadata),
                      "checked_samples": done.checked,
                      "max_abs_difference": done.max_abs_difference,
                      "same_predictions": done.same_predictions, "note": done.note}))
    return 0 if done.same_predictions is not False else 1


def register(sub: Subparsers) -> None:
    """Adds `export-model`: a trial's stored model (its best checkpoint; default the
    experiment's best trial) written as a state dict, TorchScript or ONNX file with a JSON
    file beside it. Exit 0, or 1 when the exported model's predictions on the validation
    split differ from the stored model's."""
    p = sub.add_parser("export-model", help="write a trial's stored model (its best "
                       "checkpoint) as a state dict, TorchScript or ONNX file",
                       description="Write a trial's stored model (its best checkpoint; default "
                       "the experiment's best trial) as a state dict, TorchScript or ONNX file "
                       "with a JSON file beside it, and check that it predicts as the stored "
                       "model on the validation split.")
    add_project(p)
    p.add_argument("--trial", type=int, metavar="N",
                   help="the trial's number (#N) in the experiment (default: its best trial "
                   "on the current baseline)")
    p.add_argument("--experiment", help="experiment name (default: the project's first)")
    p.add_argument("--output", "-o", required=True, help="file to write")
    p.add_argument("--format", choices=FORMATS, default="state_dict",
                   help="state_dict (torch.load + load_state_dict), torchscript "
                   "(torch.jit.load) or onnx (needs: pip install 'tunestudio[onnx]')")
    p.add_argument("--no-check", action="store_true", help="skip comparing the exported "
                   "model's predictions with the stored model's on the validation split")
    p.set_defaults(func=_cmd_export_model)
