"""The experiment report, in Markdown or HTML: the journal (goal, hypothesis, expected result,
conclusion), the search, the outcome by state, the best trial with its full config, the top
trials, the one-variable-at-a-time verdicts against the seed noise, the Pareto front of a
two-objective search, parameter importance, and every analysis plot as a PNG beside the report (in
`<name>_files/`). What the practice asks to record, in one file to keep with the code."""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication, QWidget

from tunestudio.gui.common.file_dialogs import ask_save_file
from tunestudio.gui.common.i18n import translate
from tunestudio.gui.plots.export import export_image

if TYPE_CHECKING:
    from tunestudio.config import Experiment, RunConfig
    from tunestudio.gui.analysis.data import AnalysisData
    from tunestudio.gui.analysis.view import AnalysisView
    from tunestudio.store import TrialRow

TOP = 10
_IMAGES = ("history", "parallel-coordinates", "slices", "contour", "importance", "batch-size",
           "pareto-front")


@dataclass
class _Part:
    kind: str  # heading, text, table, image, code
    body: Any


def ask_report_path(parent: QWidget) -> Path | None:
    """Asks where to write the experiment report (Markdown or HTML); the path, or None when
    cancelled."""
    return ask_save_file(parent, translate("Report", "Experiment report"), "report.md",
                         "Markdown (*.md);;HTML (*.html)")


def write_report(view: AnalysisView, path: Path) -> Path:
    """Writes the report of the experiment `view` shows; returns the report's path."""
    path = Path(path)
    if path.suffix.lower() not in (".md", ".html"):
        raise ValueError("write the report as .md or .html")
    parts = _parts(view, path)
    text = _html(parts, path.stem) if path.suffix.lower() == ".html" else _markdown(parts)
    path.write_text(text, encoding="utf-8")
    return path


def _images(view: AnalysisView, folder: Path) -> list[tuple[str, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    current = view.tabs.currentIndex()
    out = []
    for index, name in enumerate(_IMAGES):
        view.tabs.setCurrentIndex(index)  # lays the page out at the view's size
        QApplication.processEvents()
        target = folder / f"{name}.png"
        export_image(view.plot_item(index), target, width=1200)
        out.append((view.tabs.tabText(index), target))
    view.tabs.setCurrentIndex(current)
    return out


def _parts(view: AnalysisView, path: Path) -> list[_Part]:
    insights, data = view.insights, view.data
    exp = insights.experiment()
    if exp is None or data is None:
        raise ValueError("load an experiment's analysis before writing its report")
    parts = [_Part("heading", f"Experiment report: {exp.name}")]
    journal = [("Goal", exp.goal), ("Hypothesis", exp.hypothesis),
               ("Expected result", exp.expected_result), ("Conclusion", exp.conclusion)]
    parts.append(_Part("table", (("Journal", ""), [(k, v or "(not written)")
                                                    for k, v in journal])))
    s = exp.search
    dims = ", ".join(f"{d.path} ({d.type}{', log' if getattr(d, 'log', False) else ''})"
                     for d in s.dimensions) or "none"
    parts.append(_Part("text", f"Search: {s.strategy}; objective {s.objective.metric} "
                               f"({s.objective.resolved_direction}); dimensions: {dims}; "
                               f"repeats {s.repeats}."))
    rows, _ = insights.history.trials(insights.url, exp.name)
    counts = Counter(r.state for r in rows)
    parts.append(_Part("text", "Trials: " + (", ".join(f"{n} {state}" for state, n in
                                                       counts.most_common()) or "none")))
    done = sorted((r for r in rows if r.counted),
                  key=lambda r: r.objective or 0.0, reverse=data.maximize)
    if done:
        best = insights.history.store(insights.url).trial(done[0].id)
        parts.append(_Part("heading2", "Best trial"))
        parts.append(_Part("text", f"Trial #{best.number}: {data.metric} "
                                   f"{best.objective:.4g}" + (
                                       f" ± {best.objective_std:.2g}" if best.objective_std
                                       else "") + (f"; test split: {best.test_metrics}"
                                                   if best.test_metrics else "")))
        config = json.loads(best.config_json) if best.config_json else {}
        parts.append(_Part("code", json.dumps(config, indent=2)))
        header = ("#", data.metric, *(p.name for p in data.params), "duration (s)")
        table = [(str(r.number), f"{r.objective:.4g}",
                  *(_fmt(r.params.get(p.path)) for p in data.params),
                  _fmt(r.duration_s)) for r in done[:TOP]]
        parts.append(_Part("heading2", f"Top {min(TOP, len(done))} trials"))
        parts.append(_Part("table", (header, table)))
    parts += _noise_parts(exp, rows, insights.baseline(), data)
    if view.importance.importances:
        parts.append(_Part("heading2", "Parameter importance"))
        parts.append(_Part("table", (("parameter", "importance", "branch"),
                                     [(k, f"{v:.3f}", b) for k, v, b in
                                      view.importance.rows()])))
    parts.append(_Part("heading2", "Plots"))
    for title, image in _images(view, path.parent / f"{path.stem}_files"):
        parts.append(_Part("image", (title, image.relative_to(path.parent).as_posix())))
    return parts


def _noise_parts(exp: Experiment, rows: list[TrialRow], baseline: RunConfig | None,
                 data: AnalysisData) -> list[_Part]:
    """One variable at a time: per knob, whether its effect exceeds the baseline's spread
    between seeds. Two objectives: the Pareto front. Over the trials of the current config."""
    from tunestudio.store import CurrentConfig
    from tunestudio.store.pareto import pareto_front
    from tunestudio.store.verdicts import ovat_verdicts

    if baseline is not None:
        current = CurrentConfig(baseline)
        rows = [r for r in rows if current.holds(r)]
    direction = exp.search.objective.resolved_direction
    parts: list[_Part] = []
    if exp.search.strategy == "ovat" and baseline is not None:
        verdicts = ovat_verdicts(rows, exp.search, baseline, direction)
        if verdicts:
            parts.append(_Part("heading2", "One variable at a time: effect against noise"))
            parts.append(_Part("table", (
                ("knob", "values", "effect", "noise threshold", "verdict", "best value"),
                [(v.knob, str(v.values), f"{v.effect:.3g}",
                  "unknown" if v.threshold is None else f"{v.threshold:.3g}",
                  {True: "exceeds noise", False: "within noise", None: "noise unknown (run "
                   "the baseline with several seeds)"}[v.exceeds_noise], _fmt(v.best_value))
                 for v in verdicts])))
    if exp.search.objective.second != "none":
        front = pareto_front(rows, (direction, "minimize"))
        parts.append(_Part("heading2", f"Pareto front: {data.metric} against training time"))
        parts.append(_Part("table", (("#", data.metric, "training time (s)"),
                                     [(str(r.number), f"{r.objective:.4g}",
                                       f"{r.objective2:.3g}") for r in front])))
    return parts


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else ("" if v is None else str(v))


def _markdown(parts: list[_Part]) -> str:
    out: list[str] = []
    for part in parts:
        if part.kind == "heading":
            out.append(f"# {part.body}")
        elif part.kind == "heading2":
            out.append(f"## {part.body}")
        elif part.kind == "text":
            out.append(str(part.body))
        elif part.kind == "code":
            out.append(f"```json\n{part.body}\n```")
        elif part.kind == "image":
            title, src = part.body
            out.append(f"### {title}\n\n![{title}]({src})")
        elif part.kind == "table":
            header, rows = part.body
            cells = [" | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row)
                     for row in (header, *rows)]
            out.append("\n".join([f"| {cells[0]} |", "|" + " --- |" * len(header),
                                  *(f"| {c} |" for c in cells[1:])]))
    return "\n\n".join(out) + "\n"


def _html(parts: list[_Part], title: str) -> str:
    e = html.escape
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>",
           "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
           "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
           "img{max-width:100%}pre{background:#f5f5f5;padding:1em}</style></head><body>"]
    for part in parts:
        if part.kind == "heading":
            out.append(f"<h1>{e(str(part.body))}</h1>")
        elif part.kind == "heading2":
            out.append(f"<h2>{e(str(part.body))}</h2>")
        elif part.kind == "text":
            out.append(f"<p>{e(str(part.body))}</p>")
        elif part.kind == "code":
            out.append(f"<pre>{e(str(part.body))}</pre>")
        elif part.kind == "image":
            t, src = part.body
            out.append(f"<h3>{e(t)}</h3><img src='{e(src)}' alt='{e(t)}'>")
        elif part.kind == "table":
            header, rows = part.body
            head = "".join(f"<th>{e(str(h))}</th>" for h in header)
            body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>"
                           for row in rows)
            out.append(f"<table><tr>{head}</tr>{body}</table>")
    out.append("</body></html>")
    return "\n".join(out)
