from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chromium_loads_the_sign_in_page_from_the_live_server(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert page.url.startswith(f"{live_server.url}/login/")
