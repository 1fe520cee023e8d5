"""Messages: an identifier and its values, rendered in a language when shown.

Numbers are written the language's way by the format spec of the template
(``{n:,}``, ``{km2:,.2f}``, ``{share:+.2%}``): English 1,234.5, Vietnamese 1.234,5.
Long texts among the values are cut (a 100,000-character name in an error line
helps nobody). A value may itself be a :class:`Message` (an optional hint), rendered
in the same language.

>>> Message("demo.example", area=1234.5).render("en")
'Area 1,234.50 km²'
>>> render("demo.example", "vi", area=0.5)
'Diện tích 0,50 km²'
"""

from __future__ import annotations

import contextvars
import re
import string
from contextlib import contextmanager

import numpy as np
from babel.numbers import format_decimal, format_percent

from .catalogue import language, template

_option_names: contextvars.ContextVar[dict] = contextvars.ContextVar("geoplan_option_names", default={})
LONGEST_VALUE = 200  # characters of a text value shown in a message
_SPEC = re.compile(r"^(?P<align>.?[<>^=])?(?P<sign>[+ -])?(?P<width>\d+)?(?P<group>,)?"
                   r"(?:\.(?P<precision>\d+))?(?P<kind>[dfg%n]?)$")


class Option:
    """An option a user gave a value by, named as the user knows it: the flag on the command
    line (``--gap-width``, once the CLI has said so with :func:`option_names`), the keyword in
    Python (``gap_width_m``).

    >>> str(Option("gap_width_m"))
    'gap_width_m'
    >>> with option_names({"gap_width_m": "--gap-width"}):
    ...     str(Option("gap_width_m"))
    '--gap-width'
    """

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return _option_names.get().get(self.name, self.name)

    def __repr__(self) -> str:
        return f"Option({self.name!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Option) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


@contextmanager
def option_names(names: dict[str, str]):
    """Name options as ``names`` says (the CLI's flags) inside a ``with`` block."""
    token = _option_names.set({**_option_names.get(), **names})
    try:
        yield
    finally:
        _option_names.reset(token)


class Message:
    """A message identifier with its values; ``str()`` renders it in the language in use.

    >>> str(Message("demo.example", area=2.0)) in ("Area 2.00 km²", "Diện tích 2,00 km²")
    True
    """

    __slots__ = ("id", "values")

    def __init__(self, message_id: str, **values):
        self.id = message_id
        self.values = values

    def render(self, lang: str | None = None) -> str:
        """The text in ``lang`` (default: the language in use)."""
        if self.id == "text":  # a text written out, not yet moved to the catalogue: shown whole
            return str(self.values["text"])
        lang = lang or language()
        return _Formatter(lang).format(template(self.id, lang), **self.values)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.id!r}, {self.values!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and (self.id, self.values) == (other.id, other.values)

    def __hash__(self) -> int:
        return hash(self.id)

    def __reduce__(self):  # picklable (errors cross processes on a dask cluster)
        return _rebuild, (self.id, self.values)


def _rebuild(message_id: str, values: dict) -> Message:
    return Message(message_id, **values)


def render(message_id: str, lang: str | None = None, **values) -> str:
    """Render a message by identifier at once.

    >>> render("demo.example", "en", area=1e6)
    'Area 1,000,000.00 km²'
    """
    return Message(message_id, **values).render(lang)


class _Formatter(string.Formatter):
    """``str.format`` whose numbers follow the language (Babel) and whose long texts are cut."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def format_field(self, value, spec: str) -> str:
        if isinstance(value, Message):
            return super().format_field(value.render(self.lang), spec)
        if isinstance(value, Option):
            return super().format_field(str(value), spec)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            text = super().format_field(value, spec)
            return text if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE - 1] + "…"
        return self._number(value, spec)

    def convert_field(self, value, conversion):
        if isinstance(value, Message):
            value = value.render(self.lang)
        elif isinstance(value, Option):
            value = str(value)
        return super().convert_field(value, conversion)

    def _number(self, value, spec: str) -> str:
        found = _SPEC.match(spec)
        if found is None or not np.isfinite(value) or (not spec and isinstance(value, (int, np.integer))):
            return format(value, spec) if spec else str(value)
        group, precision, kind, sign = found["group"], found["precision"], found["kind"], found["sign"]
        whole = "#,##0" if group else "0"
        if kind == "%":
            pattern = whole + ("." + "0" * int(precision) if precision else "") + "%"
            text = format_percent(value, _signed(pattern, sign), locale=self.lang)
        else:
            if kind == "g":
                pattern = "@" + "#" * (max(int(precision or 6), 1) - 1)  # significant digits, no trailing zeros
            elif precision is not None:
                pattern = whole + ("." + "0" * int(precision) if int(precision) else "")
            elif kind == "d" or isinstance(value, (int, np.integer)):
                pattern = whole
            else:
                pattern = whole + ".##########"
            text = format_decimal(value, _signed(pattern, sign), locale=self.lang)
        width = int(found["width"] or 0)
        align = (found["align"] or ">")[-1]
        return {"<": text.ljust, "^": text.center}.get(align, text.rjust)(width)


def _signed(pattern: str, sign: str | None) -> str:
    """A Babel pattern that writes "+" before positive numbers when the spec asks for it."""
    return f"+{pattern};-{pattern}" if sign == "+" else pattern
