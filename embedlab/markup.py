"""Visitor text on screen as text: words, file names and corpus names made inert for Markdown.

Streamlit renders Markdown in ``st.markdown``, ``st.caption``, ``st.write``, headings, widget
labels, ``help=`` tooltips and ``st.table`` cells, with three extensions: LaTeX between ``$``,
``:colour[…]`` directives and ``:emoji:`` shortcodes. A visitor's word ``[x](javascript:…)`` or
``$\\frac{1}{0}$`` must reach the screen as those characters, so every such text goes through
:func:`inert` before it is put into Markdown. (``st.text``, ``st.code``, ``st.dataframe`` cells and
chart tooltips show text as it is and need nothing.)
"""

from __future__ import annotations

import re

_ZERO_WIDTH_SPACE = "\u200b"
# the marks Markdown, GFM autolinks, HTML and LaTeX act on (a backslash escapes each in CommonMark);
# the colon is left out because a backslash does not stop Streamlit's emoji shortcodes (they are
# matched after escapes are read); "=", ",", "'" and the like stay as they are, never acting
ACTIVE = "\\`*_{}[]()#+-.!|~<>$&@"
_ESCAPED = {ch: "\\" + ch for ch in ACTIVE}
_TABLE = str.maketrans({**_ESCAPED, "\n": " ", "\r": " ", "\t": " "})
# a zero-width space after a colon that something could follow ("toy: 291" stays as written) breaks
# both ":emoji:" and ":colour[…]" without a visible mark: each opens with a colon before a non-space
_OPENING_COLON = re.compile(r":(?=\S|$)")


def inert(text: object) -> str:
    """``text`` as Markdown that shows exactly its characters: every mark Markdown acts on
    backslash-escaped (Markdown, HTML tags and entities, LaTeX ``$``, autolinks), a zero-width space after
    each colon not followed by a space (emoji shortcodes, colour directives), line breaks as spaces
    (no heading or list can start inside it).

    >>> inert("[x](javascript:alert(1))")
    '\\\\[x\\\\]\\\\(javascript:\\u200balert\\\\(1\\\\)\\\\)'
    >>> inert("người_việt")
    'người\\\\_việt'
    """
    return _OPENING_COLON.sub(":" + _ZERO_WIDTH_SPACE, str(text).translate(_TABLE))


def uninert(markdown: str) -> str:
    """The text :func:`inert` was given back from its output (line breaks stay spaces); tests use it
    to find a visitor's word inside a page's Markdown.

    >>> uninert(inert("$x$ <b>a & b</b> :red[y]")) == "$x$ <b>a & b</b> :red[y]"
    True
    """
    out, i = [], 0
    while i < len(markdown):
        ch = markdown[i]
        if ch == "\\" and i + 1 < len(markdown) and markdown[i + 1] in ACTIVE:
            out.append(markdown[i + 1])
            i += 2
            continue
        if ch != _ZERO_WIDTH_SPACE or not out or out[-1] != ":":
            out.append(ch)
        i += 1
    return "".join(out)
