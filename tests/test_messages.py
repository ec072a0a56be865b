"""Messages made below the GUI (`tunestudio.messages`): plain English strings for the CLI,
the store and the exports, that still know their template and values for the GUI."""

from __future__ import annotations

import pickle

import pytest

from tunestudio.messages import N_, Text


def test_a_message_is_its_english_text_and_keeps_its_template_and_values() -> None:
    message = N_("Diagnosis", "training loss rose to {f} by step {step}").format(f="2.3", step=40)
    assert message == "training loss rose to 2.3 by step 40"
    assert isinstance(message, str) and isinstance(message, Text)
    assert (message.context, message.template) == ("Diagnosis",
                                                   "training loss rose to {f} by step {step}")
    assert dict(message.args) == {"f": "2.3", "step": 40}
    assert f"{message}!" == "training loss rose to 2.3 by step 40!"  # an ordinary str
    again = pickle.loads(pickle.dumps(message))
    assert again == message and again.args == message.args and again.context == "Diagnosis"


def test_placeholders_are_named() -> None:
    with pytest.raises(ValueError, match="keyword placeholders"):
        N_("Diagnosis", "{} steps").format(3)
