"""Make docs/images/evidence.png: the page with a summary of examples/riverton_bridge.txt, its first sentence
clicked, the article sentences behind it lit, and one unsupported number underlined.

The summary is written by hand for the picture (the year is wrong on purpose: 2028, where the article says 2027),
and served by the extractive preset with its `extractive` step replaced, so that no model is needed; the
evidence, the page and its script are the project's own. Needs Debian's Chromium and Playwright:

    python docs/evidence_screenshot.py [docs/images/evidence.png]
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from summarizer import Config
from summarizer.pipeline.article import Article
from summarizer.server.api import create_app
from summarizer.server.run import Server
from summarizer.server.service import Service
from summarizer.server.settings import ServerSettings

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = ("The city of Riverton approved 4.7 million dollars on Monday to rebuild the old stone bridge, and Mayor "
           "Anna Keller said the bridge would reopen to traffic in 2028. The bridge, built in 1889, was closed last "
           "year after engineers found deep cracks in two of its arches. The plan passed by 31 votes to 12; the "
           "regional government has promised to cover 40 percent of the bill.")


def main(out: Path) -> None:
    Article.extractive = lambda self, count: SUMMARY  # the hand-written summary, for this picture only
    service = Service(Config(preset="extractive", device="cpu"))
    server = Server(create_app(service, page=True), dataclasses.replace(ServerSettings(), port=7871))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = "http://127.0.0.1:7871"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
            page.goto(url + "/")
            page.get_by_label("Article").fill((ROOT / "examples" / "riverton_bridge.txt").read_text(encoding="utf-8"))
            page.locator('[title="Clear"]').first.click()
            box = page.get_by_label("Summary languages")
            box.click()
            box.fill("English")
            page.get_by_role("option", name="English").first.click()
            page.get_by_role("button", name="Summarise").click()
            page.wait_for_selector('#status:has-text("Source language:")', timeout=120_000)
            page.locator(".summary-sentence").first.click()
            page.mouse.move(0, 0)  # no hover colour on the picture
            page.locator("#summaries").screenshot(path=str(out))
            browser.close()
    finally:
        server.stop()
        thread.join(timeout=30)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images" / "evidence.png")
