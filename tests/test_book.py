"""The book builds with warnings as errors, and its HTML works with no network.

One build (a module-scoped fixture, into a temporary directory) and one headless
Chromium session serve every test here; keep them in this module so that
`pytest -n N --dist loadscope` runs them all on the worker that built the book.

Screenshots of every page go to test-artifacts/screenshots/, the build log to
test-artifacts/book-build.log.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

pytestmark = pytest.mark.book

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
BUILD_TIMEOUT_S = 1800  # every chapter executes; each runs in < 30 s by default

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; `make browser` installs it
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Sphinx reports "path:line: WARNING: ..." (and ERROR:/SEVERE:/CRITICAL:). A kernel's own log line,
# "[IPKernelApp] WARNING | Kernel is running over TCP without encryption", is not a build warning.
SPHINX_PROBLEM = re.compile(r"\b(WARNING|ERROR|SEVERE|CRITICAL):")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
REMOTE_URL = re.compile(r"""https?://[^\s"'()<>\\]+""", re.IGNORECASE)  # in inline <script>/<style>
XML_NAMESPACE = "http://www.w3.org/"  # createElementNS("http://www.w3.org/2000/svg", ...) fetches nothing
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""", re.IGNORECASE)

# Slider check: moving any <input type=range> inside a static explorer changes its picture.
EXPLORER = ".dlbook-explorer"
IMAGE_SOURCES_JS = "el => Array.from(el.querySelectorAll('img'), img => img.getAttribute('src'))"


# ------------------------------------------------------------------------------------------
# The build


@dataclass
class Build:
    returncode: int
    log: str
    html_dir: Path

    def pages(self) -> list[Path]:
        """Every built HTML page, relative to html_dir (not _static/, _sources/, _images/)."""
        return sorted(
            path.relative_to(self.html_dir)
            for path in self.html_dir.rglob("*.html")
            if not any(part.startswith("_") for part in path.relative_to(self.html_dir).parts)
        )


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Build:
    """Build the book once, as `make book` does, but into a temporary directory."""
    out = tmp_path_factory.mktemp("book")
    bin_dir = Path(sys.executable).parent  # the venv's bin: jupyter-book and the kernel's python
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "TQDM_DISABLE": "1"}  # a progress bar would be frozen at 0% in the static page
    command = [
        str(bin_dir / "jupyter-book"), "build", str(REPO), "--path-output", str(out),
        "--warningiserror", "--nitpick", "--keep-going",
    ]  # fmt: skip
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    log = proc.stdout + proc.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "book-build.log").write_text(log)
    return Build(proc.returncode, log, out / "_build" / "html")


def toc_files() -> list[str]:
    """The root and every file named in _toc.yml, in order."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    walk(toc.get("sections"))
    return files


def test_book_builds_with_warnings_as_errors(book):
    warnings = [line for line in book.log.splitlines() if SPHINX_PROBLEM.search(line)]
    assert book.returncode == 0, "jupyter-book build failed:\n" + book.log[-5000:]
    assert not warnings, "the build printed warnings:\n" + "\n".join(warnings)


def test_every_toc_entry_has_a_page(book):
    missing = [name for name in toc_files() if not (book.html_dir / f"{name}.html").is_file()]
    assert not missing, f"no HTML page for toc entries {missing}"


def chapter_pages(book) -> list[Path]:
    return sorted(book.html_dir.glob("chapters/[0-9][0-9]_*.html"))


def test_bibliography_lists_the_cited_works(book):
    """Every {cite} resolved (-W makes a missing key an error); the page lists what the chapters cite."""
    page = (book.html_dir / "chapters" / "bibliography.html").read_text()
    entries = re.findall(r'<div class="citation" id="id\d+"', page)
    assert len(entries) >= 30, f"the bibliography page lists {len(entries)} entries"
    citing = [p.name for p in chapter_pages(book) if "bibliography.html#" in p.read_text()]
    assert len(citing) >= 8, f"only {citing} link to the bibliography"


def test_glossary_and_notation_pages(book):
    glossary = (book.html_dir / "chapters" / "glossary.html").read_text()
    terms = re.findall(r'<dt id="term-', glossary)
    assert len(terms) >= 50 and '<dl class="simple glossary' in glossary, f"{len(terms)} glossary terms"
    assert 'href="chapters/glossary.html#term-' in (book.html_dir / "intro.html").read_text()  # {term} resolves
    notation = (book.html_dir / "chapters" / "notation.html").read_text()
    assert notation.count("<table") >= 4 and "First appears" in notation


def test_exercise_solutions_are_executed_and_hidden(book):
    """Each chapter has solutions, each one a dropdown, and the gated ones hold executed code cells."""
    problems = []
    for page in chapter_pages(book):
        html = page.read_text()
        solutions = re.findall(r'<div class="([^"]*\bsolution\b[^"]*)"', html)
        if not solutions:
            problems.append(f"{page.name}: no solution")
        problems += [f"{page.name}: solution without dropdown ({c})" for c in solutions if "dropdown" not in c]
        if "solution" in html and 'class="cell docutils container"' not in html.split('class="solution', 1)[-1]:
            problems.append(f"{page.name}: no code cell inside or after the first solution")
    assert not problems, problems


# ------------------------------------------------------------------------------------------
# Static check: nothing in the built HTML points a browser off the machine


class ResourceLinks(HTMLParser):
    """Collect every URL that a browser would fetch on its own while showing a page."""

    LOADING_ATTRIBUTES = {"src", "srcset", "data", "poster", "background"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (where, url)
        self.stylesheets: list[str] = []
        self.inline: list[tuple[str, str]] = []  # (tag, text) of <script> and <style> bodies
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value and name in self.LOADING_ATTRIBUTES:
                for url in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((f"<{tag} {name}>", url.strip().split(" ")[0]))
        if tag == "link" and attrs.get("href"):
            self.urls.append((f"<link rel={attrs.get('rel')}>", attrs["href"]))
            if "stylesheet" in (attrs.get("rel") or ""):
                self.stylesheets.append(attrs["href"])
        if attrs.get("style"):
            self.inline.append((f"<{tag} style>", attrs["style"]))
        self._open = tag if tag in ("script", "style") else None

    def handle_data(self, data):
        if self._open and data.strip():
            self.inline.append((f"<{self._open}>", data))

    def handle_endtag(self, tag):
        self._open = None


def is_remote(url: str) -> bool:
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url.strip(), re.IGNORECASE)) and not url.startswith(
        ("file:", "data:", "blob:")
    )


def css_remote_urls(css_file: Path, html_dir: Path, seen: set[Path]) -> list[str]:
    """Remote url(...) and @import in a local stylesheet, following its local @imports."""
    if css_file in seen or not css_file.is_file():
        return []
    seen.add(css_file)
    found = []
    for match in CSS_URL.finditer(css_file.read_text(errors="replace")):
        url = match.group(1) or match.group(2)
        if is_remote(url):
            found.append(f"{css_file.relative_to(html_dir)}: {url}")
        elif match.group(2):  # a local @import
            found += css_remote_urls((css_file.parent / url.split("?")[0]).resolve(), html_dir, seen)
    return found


def remote_references(page: Path, html_dir: Path) -> list[str]:
    parser = ResourceLinks()
    parser.feed(page.read_text())
    found = [f"{where} {url}" for where, url in parser.urls if is_remote(url)]
    for where, text in parser.inline:
        css_urls = [m.group(1) or m.group(2) for m in CSS_URL.finditer(text)]
        urls = set(REMOTE_URL.findall(text)) | {url for url in css_urls if is_remote(url)}
        found += [f"{where} {url}" for url in sorted(urls) if not url.startswith(XML_NAMESPACE)]
    seen: set[Path] = set()
    for href in parser.stylesheets:
        if not is_remote(href):
            css = (page.parent / urlsplit(href).path).resolve()
            found += css_remote_urls(css, html_dir.resolve(), seen)
    return found


def test_built_html_references_nothing_remote(book):
    pages = book.pages()
    assert pages, "the build produced no HTML pages"
    offenders = {str(page): refs for page in pages if (refs := remote_references(book.html_dir / page, book.html_dir))}
    assert not offenders, f"pages that load from the network: {offenders}"


# ------------------------------------------------------------------------------------------
# Browser: every page in headless Chromium, served from 127.0.0.1, with the network cut off


@dataclass
class PageVisit:
    url: str
    status: int | None = None
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    math_elements: int = 0
    math_errors: int = 0
    explorers: list[ExplorerCheck] = field(default_factory=list)
    screenshot: Path | None = None


@dataclass
class ExplorerCheck:
    """One slider of one explorer, moved once: did the explorer's picture change?"""

    explorer: int
    slider: int
    before: list[str]
    after: list[str]

    @property
    def moved(self) -> bool:
        return bool(self.before) and self.before != self.after


def is_off_machine(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS


@dataclass
class BrowserSession:
    browser: object
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def new_context(self):
        """A context that lets through requests to this machine only and aborts the rest."""
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

        def route(route):
            url = route.request.url
            if is_off_machine(url):
                self.blocked.append(url)
                route.abort("blockedbyclient")
            else:
                route.continue_()

        context.route("**/*", route)
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("websocket", lambda ws: self.blocked.append(ws.url))
        return context


def check_explorers(page, timeout_ms: int = 2000) -> list[ExplorerCheck]:
    """Move every range slider of every `.dlbook-explorer` once and record its <img> sources."""
    checks = []
    explorers = page.locator(EXPLORER)
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        sliders = explorer.locator("input[type=range]")
        for j in range(sliders.count()):
            slider = sliders.nth(j)
            before = explorer.evaluate(IMAGE_SOURCES_JS)
            at_max = slider.evaluate("s => Number(s.value) >= Number(s.max || 100)")
            slider.scroll_into_view_if_needed()
            slider.focus()
            page.keyboard.press("Home" if at_max else "End")  # a real key press fires input/change
            try:
                page.wait_for_function(
                    f"([el, before]) => JSON.stringify(({IMAGE_SOURCES_JS})(el)) !== JSON.stringify(before)",
                    arg=[explorer.element_handle(), before],
                    timeout=timeout_ms,
                )
            except Exception as error:  # playwright's TimeoutError: the picture did not change
                if type(error).__name__ != "TimeoutError":
                    raise
            checks.append(ExplorerCheck(i, j, before, explorer.evaluate(IMAGE_SOURCES_JS)))
    return checks


def redirect_target(page_file: Path) -> str | None:
    match = re.search(r'http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', page_file.read_text(), re.I)
    return match.group(1) if match else None


def visit(context, url: str, page_file: Path, screenshot: Path | None) -> PageVisit:
    page = context.new_page()
    result = PageVisit(url)
    page.on("pageerror", lambda error: result.page_errors.append(str(error)))
    page.on("console", lambda msg: result.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda request: result.failed_requests.append(f"{request.url} {request.failure}"))
    page.on(
        "response",
        lambda response: (
            result.failed_requests.append(f"{response.url} HTTP {response.status}") if response.status >= 400 else None
        ),
    )
    response = page.goto(url, wait_until="load")
    result.status = response.status if response else None
    if target := redirect_target(page_file):  # index.html: <meta http-equiv="Refresh" url=intro.html>
        page.wait_for_url(urljoin(url, target))
        page.wait_for_load_state("load")
    # MathJax typesets after load; its startup promise resolves when the page is done.
    page.evaluate(
        "async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
        " await MathJax.startup.promise; await document.fonts.ready; }"
    )
    result.math_elements = page.locator("mjx-container").count()
    result.math_errors = page.locator("mjx-merror").count()
    if screenshot:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        result.screenshot = screenshot
    result.explorers = check_explorers(page)
    page.close()
    return result


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server(book):
    """The built HTML, served on 127.0.0.1 at a free port, from a thread."""
    if not book.html_dir.is_dir():
        pytest.skip("the book did not build")
    handler = functools.partial(QuietHandler, directory=str(book.html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the whole module."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield BrowserSession(chromium)
        chromium.close()


@pytest.fixture(scope="module")
def visits(book, server, browser) -> dict[str, PageVisit]:
    """Open every built page once, recording what it requested and what went wrong."""
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    context = browser.new_context()
    results = {}
    for page in book.pages():
        name = page.as_posix()
        shot = SCREENSHOTS / (name.removesuffix(".html").replace("/", "__") + ".png")  # a/b.html: a__b.png
        results[name] = visit(context, server + name, book.html_dir / page, shot)
    context.close()
    return results


@pytest.mark.browser
def test_every_page_loads(visits):
    assert visits
    broken = {path: (v.status, v.failed_requests) for path, v in visits.items() if v.status != 200 or v.failed_requests}
    assert not broken, f"pages that did not load completely: {broken}"


@pytest.mark.browser
def test_no_request_leaves_the_machine(visits, browser):
    assert browser.requests, "no request was recorded at all"
    off_machine = sorted(set(browser.blocked) | {url for url in browser.requests if is_off_machine(url)})
    assert not off_machine, f"requests off the machine: {off_machine}"


@pytest.mark.browser
def test_no_javascript_or_console_errors(visits):
    errors = {path: v.page_errors + v.console_errors for path, v in visits.items() if v.page_errors or v.console_errors}
    assert not errors, f"JavaScript errors: {errors}"


@pytest.mark.browser
def test_math_is_rendered_by_local_mathjax(visits):
    landing = visits["intro.html"]
    assert landing.math_elements >= 1, "MathJax produced no mjx-container on the landing page"
    with_errors = {path: v.math_errors for path, v in visits.items() if v.math_errors}
    assert not with_errors, f"pages with TeX errors (mjx-merror): {with_errors}"


@pytest.mark.browser
def test_every_static_explorer_moves(visits):
    stuck = {
        path: [
            f"explorer {c.explorer}, slider {c.slider}: img {[src[:60] for src in c.before]}"
            for c in v.explorers
            if not c.moved
        ]
        for path, v in visits.items()
        if any(not c.moved for c in v.explorers)
    }
    assert not stuck, f"explorers whose picture did not change when a slider moved: {stuck}"


@pytest.mark.browser
def test_every_page_has_a_screenshot(visits):
    missing = [path for path, v in visits.items() if not (v.screenshot and v.screenshot.is_file())]
    assert not missing, f"no screenshot for {missing}"


@pytest.mark.browser
def test_a_solution_opens_on_a_click(server, browser):
    """sphinx-togglebutton hides a solution's prose and code until its title is clicked."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "chapters/01_neurons.html", wait_until="load")
    solution = page.locator("div.solution").first
    code = solution.locator("div.cell").first
    hidden_at_first = not code.is_visible()
    solution.locator(".admonition-title").first.click()
    code.wait_for(state="visible", timeout=2000)
    context.close()
    assert hidden_at_first, "the solution's code shows before its toggle is clicked"


# The explorer check itself, on a hand-made explorer and on a broken one, so that it is known
# to work before the first chapter brings a real one.

TOY_EXPLORER = """
<div class="dlbook-explorer">
  <input type="range" min="0" max="2" value="0">
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=#0">
  <script>
    (function () {
      const root = document.currentScript.closest(".dlbook-explorer");
      const slider = root.querySelector("input"), img = root.querySelector("img");
      slider.addEventListener("input", () => {
        if (%(moves)s) img.src = img.src.replace(/#.*/, "#" + slider.value);
      });
    })();
  </script>
</div>
"""


@pytest.mark.browser
@pytest.mark.parametrize("moves", [True, False], ids=["working", "stuck"])
def test_explorer_check_tells_a_working_explorer_from_a_stuck_one(browser, moves):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(TOY_EXPLORER % {"moves": str(moves).lower()})
    checks = check_explorers(page, timeout_ms=500)
    context.close()
    assert [check.moved for check in checks] == [moves]
