"""Languages: messages carry an identifier and their values, and are rendered in the user's
language (English or Vietnamese) only at the edge: the CLI line, an exception's text, a map, a page.

The texts live in gettext catalogues (``locales/<lang>/LC_MESSAGES/*.po``, one per part, read with Babel),
one ``msgid`` per message identifier; numbers are written the language's way (Vietnamese
3.359,8 for 3,359.8).

>>> from geoplan.i18n import Message
>>> Message("demo.example", area=3359.8).render("vi")
'Diện tích 3.359,80 km²'
"""

from .catalogue import LANGUAGES, language, set_language, using
from .message import Message, Option, option_names, render

__all__ = ["LANGUAGES", "Message", "Option", "language", "option_names", "render", "set_language", "using"]
