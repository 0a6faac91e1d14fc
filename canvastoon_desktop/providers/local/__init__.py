"""Offline models: real algorithms that need no key and no network (storyboard cards,
inpainting, pan/zoom video). Pure blocking functions; callers run them in a thread pool."""

from canvastoon_desktop.providers.local.inpaint import inpaint_image
from canvastoon_desktop.providers.local.kenburns import render_pan_zoom
from canvastoon_desktop.providers.local.storyboard import render_storyboard_card

__all__ = ["inpaint_image", "render_pan_zoom", "render_storyboard_card"]
