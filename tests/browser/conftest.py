import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # version in vendor/VERSIONS.txt
# WCAG 2.1 A and AA, the level GB/T 37668-2019 asks of government sites.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Checks each page once it has loaded and reports back through the exposed binding; `__axeCheck(true)`
# checks again (after htmx swaps). An init script is injected by the browser itself, so the site's strict
# CSP (no inline script) does not block it.
AXE_ON_LOAD = """
(() => {
  if (window.top !== window) return;
  const tags = %s;
  const run = () => window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
    .then(r => window.__axeReport(location.pathname + location.search, r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n").slice(1).join(" "))}))));
  window.__axeCheck = (again) => {
    if (!location.protocol.startsWith("http")) return Promise.resolve();
    if (!window.__axePromise) window.__axePromise = run();
    else if (again) window.__axePromise = window.__axePromise.catch(() => {}).then(run);
    return window.__axePromise;
  };
  window.addEventListener("load", () => setTimeout(() => window.__axeCheck().catch(() => {}), 30));
})();
""" % json.dumps(AXE_TAGS)  # noqa: UP031 (a JavaScript template: its braces would need doubling)
# Page actions that may leave the page: the page is checked before them, so fast tests miss none.
NAVIGATING = ("goto", "click", "select_option", "press", "reload", "go_back", "check")


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


class AxeLog:
    """Violations per page, from every page a test visits."""

    def __init__(self):
        self.pages, self.violations = [], {}

    def report(self, source, url, violations):
        self.pages.append(url)
        for v in violations:
            self.violations.setdefault(url, {})[v["id"]] = v

    def text(self):
        lines = []
        for url, found in self.violations.items():
            lines.append(url)
            for v in found.values():
                lines.append(f"  {v['id']} ({v['impact']}, {v['count']}×): {v['help']}")
                lines += [f"      {n}" for n in v["nodes"]]
        return "\n".join(lines)


def run_axe(page, again=False):
    """Check the page now (once per loaded page; `again` after it changed in place)."""
    page.evaluate("(again) => window.__axeCheck && document.readyState === 'complete' && window.__axeCheck(again)", again)


def _checking_first(page, name):
    action = getattr(page, name)

    def wrapped(*args, **kwargs):
        try:
            run_axe(page)
        except Exception:  # noqa: BLE001  (a download or a closed page: nothing to check)
            pass
        return action(*args, **kwargs)

    return wrapped


@pytest.fixture
def axe_log():
    return AxeLog()


def _context(browser, live_server, axe_log, locale):
    context = browser.new_context(locale=locale, base_url=live_server.url, accept_downloads=True)
    context.add_init_script(path=str(AXE))
    context.add_init_script(AXE_ON_LOAD)
    context.expose_binding("__axeReport", axe_log.report)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() of buttons that ask first
    for name in NAVIGATING:
        setattr(page, name, _checking_first(page, name))
    return context, page


@pytest.fixture
def page(browser, live_server, axe_log):
    """A Chinese-speaking browser; every page it loads is checked by axe-core, and the test fails at
    teardown listing the violations."""
    context, page = _context(browser, live_server, axe_log, "zh-CN")
    yield page
    try:
        run_axe(page, again=True)  # the last page, as the test left it
    except Exception:  # noqa: BLE001  (the page may be gone or a download; the load hook saw it)
        pass
    context.close()
    if axe_log.violations:
        pytest.fail("axe-core (WCAG 2.1 A/AA) found violations:\n" + axe_log.text(), pytrace=False)
