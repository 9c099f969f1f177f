"""The campaign's notice text: Markdown rendered, then sanitised (no scripts, no styles, no foreign frames)."""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
         "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td", "a"}


def render_markdown(text: str) -> SafeString:
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    # Safe: nh3 keeps only the tags and attributes listed above, so no script, style, event handler or hx-* survives.
    return mark_safe(nh3.clean(html, tags=_TAGS, attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer"))
