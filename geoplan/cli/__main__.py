"""``python -m geoplan.cli``: the command line."""

from . import run

run()
