"""Translatable text made below the GUI, without Qt: `N_("Context", "English text {name}")`
marks a message where it is written (lupdate reads the mark as Qt's QT_TRANSLATE_NOOP, see
packaging/translations.py) and returns it as a `Text`, which is an ordinary `str` in English.
`.format(name=...)` fills it in and still remembers the template and the values, so the GUI
can render the same message in the window's language (`gui/common/i18n.render`) while the CLI,
logs, the store and the exports keep the English text they always had.

Only keyword placeholders (`{name}`, `{value:.3g}`): a translation may reorder them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Text(str):
    """An English message that knows its translation context, its template and the values
    that fill it. Concatenating or joining it gives a plain `str` (English only)."""

    context: str
    template: str
    args: Mapping[str, Any]

    def __new__(cls, context: str, template: str, args: Mapping[str, Any] | None = None) -> Text:
        value = template.format(**args) if args else template
        text = super().__new__(cls, value)
        text.context, text.template, text.args = context, template, dict(args or {})
        return text

    def format(self, *positional: object, **values: Any) -> Text:
        """The message filled in; keyword placeholders only (ValueError otherwise, since a
        translation may put them in another order)."""
        if positional:
            raise ValueError(f"message {self.template!r}: use keyword placeholders only")
        return Text(self.context, self.template, {**self.args, **values})

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text, (self.context, self.template, dict(self.args)))


def N_(context: str, text: str) -> Text:  # noqa: N802 -- gettext's and Qt's spelling
    """Mark `text` for translation in `context` (both string literals: lupdate reads them
    from the source). Returns it unchanged, as a `Text`."""
    return Text(context, text)


# Messages a trial keeps in the history (the store holds their English text): the GUI shows a
# stored message that matches one of these in the window's language (gui/common/i18n.py).
TRAINED = N_("TrialMessage", "trained {epochs} epoch(s), {steps} steps")
PRUNED = N_("TrialMessage", "pruned after evaluation {evaluation}: {metric} = {value} is worse "
            "than most trials at this point")
# a member of population-based training stopped by its pruning rule (config.pbt.PBTPruning)
PBT_PRUNED = N_("TrialMessage", "pruned at step {step} as a hopeless lineage (pbt.prune): in "
                "the replaced quantile at {streak} perturbations in a row, {metric} = {value} "
                "more than {margin} behind the best member's {best}")
DIVERGED = {  # a divergence during training, by what became non-finite
    "loss": N_("TrialMessage", "diverged during training: the loss became {value} at step "
               "{step} (epoch {epoch}, LR {lr}); lower the learning rate (e.g. {lower}), add "
               "gradient clipping or a warm-up"),
    "gradient norm": N_("TrialMessage", "diverged during training: the gradient norm became "
                        "{value} at step {step} (epoch {epoch}, LR {lr}); lower the learning "
                        "rate (e.g. {lower}), add gradient clipping or a warm-up"),
}
STORED: tuple[Text, ...] = (TRAINED, PRUNED, PBT_PRUNED, *DIVERGED.values())
