"""In Chromium: the API docs page works under the strict CSP with vendored assets, and another
site can frame the embed card but not any other page."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo() -> None:
    call_command("load_demo", verbosity=0)


def test_api_docs_render_offline_under_the_csp(page, live_server) -> None:
    blocked, external = [], []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on(
        "request", lambda request: external.append(request.url) if not request.url.startswith(live_server.url) else None
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.get_by_text("List editions").first.wait_for()
    assert page.get_by_text("Podium API").first.is_visible()
    assert [url for url in external if not url.startswith("data:")] == []
    assert [text for text in blocked if "script" in text] == []


def test_another_site_can_frame_the_embed_only(page, live_server, demo) -> None:
    # Two public-looking origins, so Chromium applies cross-site rules (and not its local-network
    # checks): community.example frames pages of podium.example, which is the live server.
    page.route(
        "http://podium.example/**",
        lambda route: route.fulfill(
            response=route.fetch(url=route.request.url.replace("http://podium.example", live_server.url))
        ),
    )
    embed = "http://podium.example/embed/editions/moon-awards-2024/top-bitcoin-etfs-2024/"
    results = "http://podium.example/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/"
    host = (
        f'<iframe id="embed" src="{embed}" width="600" height="320"></iframe>'
        f'<iframe id="page" src="{results}" width="600" height="320"></iframe>'
    )
    page.route("http://community.example/", lambda route: route.fulfill(body=host, content_type="text/html"))
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "frame-ancestors" in message.text else None)
    page.goto("http://community.example/")
    page.frame_locator("#embed").get_by_text("BlackRock").wait_for()
    assert page.frame_locator("#embed").get_by_text("49.7%").is_visible()
    page.wait_for_timeout(1500)
    assert page.frame_locator("#page").get_by_text("Top Bitcoin ETFs").count() == 0
    assert len(refused) == 1 and "frame-ancestors 'none'" in refused[0], refused
