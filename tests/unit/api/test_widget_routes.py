"""`/widget.js`, `/widget/demo` and `/widget/demo.css` (assistant/api/routes/widget.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.api.routes.widget import widget_dir


def test_the_widget_script_may_be_loaded_by_any_site(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.content == (widget_dir() / "widget.js").read_bytes()


def test_the_demo_page_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/widget/demo")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "/widget.js" in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy


def test_the_demo_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/widget/demo.css")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.content == (widget_dir() / "demo.css").read_bytes()
