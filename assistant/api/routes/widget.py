"""The embeddable chat widget (`/widget.js`) and its demo page (`/widget/demo`)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)


@cache
def widget_dir() -> Path:
    """`ui/widget` inside the installed `ui` package (package data, also in a wheel)."""
    return Path(str(resources.files("ui") / "widget"))


@router.get("/widget.js")
async def widget_js() -> FileResponse:
    # Any site may load the script (Cross-Origin-Resource-Policy), even one that sets COEP.
    return FileResponse(widget_dir() / "widget.js", media_type="text/javascript; charset=utf-8",
                        headers={"Cross-Origin-Resource-Policy": "cross-origin"})


@router.get("/widget/demo")
async def widget_demo() -> FileResponse:
    return FileResponse(widget_dir() / "demo.html", media_type="text/html; charset=utf-8")


@router.get("/widget/demo.css")
async def widget_demo_css() -> FileResponse:
    return FileResponse(widget_dir() / "demo.css", media_type="text/css; charset=utf-8")
