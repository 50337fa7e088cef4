"""The documentation cannot drift from the code: the CLI reference is regenerated from the parsers and compared
with the committed page, every relative link of README.md and docs/ leads to a file (and heading) that exists,
and every error code the server can answer is documented."""

from __future__ import annotations

import importlib.util
import re
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\(([^)\s]+)\)")


def _generator(name: str):
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _gen_cli():
    return _generator("gen_cli")


def test_the_layers_page_is_current():
    gen = _generator("gen_layers")
    committed = gen.PAGE.read_text(encoding="utf-8")
    assert gen.render() == committed, f"docs/layers.md is out of date: run `{gen.REGENERATE}`"


def test_cli_reference_is_current():
    gen = _gen_cli()
    committed = gen.PAGE.read_text(encoding="utf-8")
    made = f"(Python {sys.version_info.major}.{sys.version_info.minor})"
    if made not in committed:  # argparse's layout changes between Python versions (3.13 changed it)
        pytest.skip(f"docs/cli-reference.md was generated with another Python than {made}")
    assert gen.render() == committed, f"docs/cli-reference.md is out of date: run `{gen.REGENERATE}`"


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where a bracket is not a link."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading: str) -> str:
    """The anchor MkDocs (Python-Markdown's toc) and GitHub give a plain heading."""
    value = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def anchors(page: Path) -> set[str]:
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"),
                                                             flags=re.S | re.M), flags=re.M)
    return {slug(heading) for heading in headings}


def links(page: Path) -> list[str]:
    return [a or b for a, b in LINK.findall(_prose(page.read_text(encoding="utf-8")))]


def test_links_finds_links():  # the check below would pass on nothing if the pattern found nothing
    found = links(ROOT / "README.md")
    assert any(target.startswith("docs/") for target in found)
    assert slug("Real summaries (instruction models)") == "real-summaries-instruction-models"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_somewhere(page: Path):
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and file.suffix == ".md" and fragment not in anchors(file):
            broken.append(f"{target} (no heading #{fragment} in {file.relative_to(ROOT)})")
        elif ROOT not in file.parents and file != ROOT:
            broken.append(f"{target} (outside the repository)")
    assert not broken, f"{page.relative_to(ROOT)} has broken links: {broken}"


def test_no_paths_outside_the_repository():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for bad in ("../shared", "/work/"):
            assert bad not in text, f"{page.relative_to(ROOT)} mentions {bad!r}, a path outside the repository"


def test_every_error_code_is_documented():
    from summarizer.errors import ERROR_CODES

    page = (DOCS / "server-and-api.md").read_text(encoding="utf-8")
    missing = [code for code in ERROR_CODES if f"`{code}`" not in page]
    assert not missing, f"docs/server-and-api.md does not document the error codes {missing}"
