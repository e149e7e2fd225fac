"""The three stages of a reflection (Rolfe's reflective model), shared by the deck format and the reflection model.

What happened, what it meant (and my part in it), what I will do with it. Plain constants: the store and the decks
both use them, and neither may import the other's package for them.
"""

from __future__ import annotations

from typing import Literal

Stage = Literal["what", "so-what", "now-what"]
STAGES: tuple[str, ...] = ("what", "so-what", "now-what")
STAGE_LABELS = {"what": "What", "so-what": "So what", "now-what": "Now what"}
