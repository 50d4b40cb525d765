"""What the browser tests share besides the `browser` fixture (tests/conftest.py): a page whose
console errors, page errors, failed responses and CSP violations are collected."""

from __future__ import annotations

# Recorded from the first script the document runs (an init script is not subject to the CSP).
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`);
});
"""


class WatchedPage:
    """`page` with its problems collected; a 4xx/5xx whose URL contains one of `expected` is
    an answer the test asked for, not a problem."""

    def __init__(self, page, *, expected: tuple[str, ...] = ()):
        self.page = page
        self.expected = expected
        self.errors: list[str] = []
        self.page.add_init_script(WATCH)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", self._response)

    def _console(self, message):
        # "Failed to load resource" names no URL: failed responses are recorded by _response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response):
        # The portal ships no favicon; the browser's own /favicon.ico probe is not a page error.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            if not any(part in response.url for part in self.expected):
                self.errors.append(f"{response.status} {response.url}")

    def visit(self, url: str):
        response = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return response

    def problems(self) -> list[str]:
        return self.errors + self.page.evaluate("window.__violations || []")


def sign_in(page, base: str, user) -> None:
    """The login form as a person fills it (the factories' password); waits for the dashboard."""
    from tests.factories import PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")
