"""How the staff UI looks: a Gradio theme with system fonts and our local stylesheet.

Nothing is fetched from outside the app (the UI must work without internet): the theme uses
system font stacks only, the CSS is a file next to this module. Gradio 6 takes theme, CSS and
page JavaScript when the Blocks are mounted, not in the `gr.Blocks` constructor, so these
options travel together in `mount_options()`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CSS_PATH = Path(__file__).resolve().parent / "assets" / "ui.css"

SANS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]
# CSS keywords must stay unquoted; Gradio quotes every font name except the generic families.
_KEYWORDS = frozenset({"system-ui", "-apple-system", "ui-monospace", "sans-serif", "monospace"})

# Gradio's page template says lang="en"; screen readers need the page language to read German.
PAGE_JS = "() => { document.documentElement.lang = 'de'; }"


def build_theme() -> Any:
    """Blue on white with text colours that keep WCAG AA contrast (>= 4.5:1)."""
    import gradio as gr

    theme = gr.themes.Default(
        primary_hue=gr.themes.colors.blue,
        secondary_hue=gr.themes.colors.blue,
        neutral_hue=gr.themes.colors.slate,
        font=[_font(name) for name in SANS],
        font_mono=[_font(name) for name in MONO],
    )
    return theme.set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        button_primary_background_fill_dark="*primary_600",
        button_primary_background_fill_hover_dark="*primary_700",
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_300",
        block_label_text_color="*neutral_600",
        block_label_text_color_dark="*neutral_300",
        block_title_text_color="*neutral_700",
        block_title_text_color_dark="*neutral_200",
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_400",
        link_text_color="*primary_700",
        link_text_color_dark="*primary_300",
    )


def _font(name: str) -> Any:
    """A system font (never downloaded); CSS keywords such as system-ui stay unquoted."""
    import gradio as gr

    class SystemFont(gr.themes.Font):
        def __str__(self) -> str:
            return self.name if self.name in _KEYWORDS else f"'{self.name}'"

    return SystemFont(name)


def mount_options() -> dict[str, Any]:
    """Keyword arguments for `gr.mount_gradio_app` that give the UI its look and language."""
    return {
        "theme": build_theme(),
        "css_paths": [CSS_PATH],
        "js": PAGE_JS,
        "footer_links": [],  # no "Use via API / Built with Gradio" links in a staff tool
        "ssr_mode": False,  # no Node server next to the app
        "show_error": False,  # errors are turned into German messages by the handlers
    }
