"""What every command shares: warnings shown on one line, and argparse speaking the user's language
(its usage line, section titles, help option and usage mistakes, from ``cli.po``).

>>> with warnings_on_one_line("map"):
...     pass
>>> from geoplan.i18n import using
>>> with using("vi"):
...     usage_mistake("the following arguments are required: -o/--output")
'thiếu các tham số bắt buộc: -o/--output'
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from contextlib import contextmanager

from ..i18n import render

_ARGPARSE_MISTAKES = (  # argparse's own texts (Python 3.11+) -> the message saying the same
    (re.compile(r"the following arguments are required: (?P<arguments>.+)"), "cli.argparse_required"),
    (re.compile(r"argument (?P<argument>[^:]+): invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)"),
     "cli.argparse_choice"),
    (re.compile(r"argument (?P<argument>[^:]+): expected one argument"), "cli.argparse_one"),
    (re.compile(r"argument (?P<argument>[^:]+): invalid \w+ value: (?P<value>.+)"), "cli.argparse_value"),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)"), "cli.argparse_ambiguous"),
    (re.compile(r"unrecognized arguments: (?P<arguments>.+)"), "cli.unrecognized"),
)


@contextmanager
def warnings_on_one_line(command: str):
    """Show each warning as one line on stderr, ``geoplan map: warning: ...``, not Python's two.

    >>> with warnings_on_one_line("map"):
    ...     warnings.warn("r.gpkg: has no layer about; going on without it")  # doctest: +SKIP
    """
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *_: print(render("cli.warning", command=command), message, file=sys.stderr)
        yield


def usage_mistake(text: str) -> str:
    """An argparse usage mistake in the language in use (one argparse does not name stays as it is).

    >>> usage_mistake("argument --lang: invalid choice: 'fr' (choose from 'en', 'vi')") in (
    ...     "argument --lang: invalid choice: 'fr' (choose from 'en', 'vi')",
    ...     "tham số --lang: giá trị không hợp lệ 'fr' (chọn một trong 'en', 'vi')")
    True
    """
    for pattern, message_id in _ARGPARSE_MISTAKES:
        found = pattern.fullmatch(text)
        if found:
            return render(message_id, **found.groupdict())
    return text


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help with the usage line in the language in use."""

    def _format_usage(self, usage, actions, groups, prefix):
        return super()._format_usage(usage, actions, groups, render("cli.usage") if prefix is None else prefix)


def localise(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Name the sections and the help option of ``parser`` in the language in use.

    >>> localise(argparse.ArgumentParser(add_help=True))._optionals.title in ("options", "tùy chọn")
    True
    """
    parser._positionals.title = render("cli.positionals")
    parser._optionals.title = render("cli.optionals")
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = render("cli.help_option")
    return parser
