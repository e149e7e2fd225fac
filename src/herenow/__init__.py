"""herenow: a discreet cue card, a calm session timer and two-minute reflections for therapists."""

__version__ = "0.1.0"
APP_NAME = "herenow"
