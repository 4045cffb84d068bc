"""``{% viewer_config case show_overlays ai_result as viewer %}``: the viewer's JSON configuration for a page."""
from django import template

from reader_study.viewer.config import viewer_config as build_viewer_config

register = template.Library()


@register.simple_tag(takes_context=True)
def viewer_config(context, case, show_overlays=False, ai_result=None):
    """Return the configuration dict (None when the user may not see the images now)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return build_viewer_config(user, case, show_overlays=bool(show_overlays), ai_result=ai_result or None)
