"""Render pages of the built documentation in headless Chromium, as a reader
would see them, and fail if one is blank, shows a broken image, a Python
traceback or a warning printed in an example's output.

    python doc/check_pages.py doc/_build/html [PAGE ...]

PAGE is a path inside the built site; by default every page of it (the index,
the user guide, the API pages, every gallery page, the Benchmarks page), less
Sphinx's own search and index pages. Screenshots are written to
doc/_build/check/. Needs Chromium (Debian: ``apt-get install chromium``).
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image

# Sphinx's own pages: a search form, and lists of names with little text.
SPHINX_PAGES = {"search.html", "genindex.html", "py-modindex.html"}

# Appended to a copy of the page: once every image has loaded or failed, the
# page writes what it found into its title, which --dump-dom prints.
PROBE = r"""
<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const broken = images
    .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
  const text = document.body.innerText;
  // A warning as Python prints it ("...py:12: UserWarning: ..."), in output.
  const output = [...document.querySelectorAll("pre")].map(p => p.innerText);
  const warnings = output.flatMap(o => o.match(/\b\w*Warning: .*/g) || []);
  document.title = "CHECK:" + JSON.stringify({
    images: images.length,
    broken: broken,
    traceback: text.includes("Traceback (most recent call last)"),
    warnings: warnings,
    characters: text.trim().length,
  });
});
</script>
"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    sys.exit("Chromium not found: apt-get install chromium (Debian), then rerun.")


def run_chromium(*args):
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--virtual-time-budget=10000",
        *args,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=True
    ).stdout


def probe(page):
    """Return what the page's own script found once loaded."""
    copy = page.with_name(f"_check_{page.name}")
    html = page.read_text()
    copy.write_text(html.replace("</body>", PROBE + "</body>"))
    try:
        dom = run_chromium("--dump-dom", copy.as_uri())
    finally:
        copy.unlink()
    found = re.search(r"<title>CHECK:(.*?)</title>", dom, flags=re.DOTALL)
    if found is None:
        return None
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def screenshot(page, png):
    run_chromium("--window-size=1280,1600", f"--screenshot={png}", page.as_uri())
    pixels = matplotlib.image.imread(png)[..., :3]
    # Blank: one colour nearly everywhere (a white page, or an error page).
    background = (abs(pixels - pixels[0, 0]).sum(axis=-1) > 0.1).mean()
    return background


def site_pages(site):
    """Every HTML page of the built site a reader may open, by path."""
    return sorted(
        str(page.relative_to(site))
        for page in site.rglob("*.html")
        if not any(part.startswith("_") for part in page.relative_to(site).parts)
        and page.name not in SPHINX_PAGES
    )


def check(site, pages, out):
    out.mkdir(parents=True, exist_ok=True)
    failures = []
    for name in pages:
        page = site / name
        if not page.exists():
            failures.append(f"{name}: not in the built site")
            continue
        found = probe(page)
        png = out / (name.replace("/", "_").removesuffix(".html") + ".png")
        drawn = screenshot(page, png)
        print(f"{name}: {found}, {drawn:.0%} of the screenshot drawn -> {png}")
        if found is None:
            failures.append(f"{name}: the page did not load")
            continue
        if found["broken"]:
            failures.append(f"{name}: broken images {found['broken']}")
        if found["traceback"]:
            failures.append(f"{name}: shows a Python traceback")
        if found["warnings"]:
            failures.append(f"{name}: shows warnings {found['warnings']}")
        if found["characters"] < 200 or drawn < 0.002:
            failures.append(f"{name}: blank ({found['characters']} characters of text)")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built HTML folder")
    parser.add_argument("pages", nargs="*", help="default: every page")
    args = parser.parse_args()
    site = args.site.resolve()
    pages = args.pages or site_pages(site)
    print(f"checking {len(pages)} pages")
    failures = check(site, pages, args.site.parent / "check")
    if failures:
        sys.exit("Page check failed:\n  " + "\n  ".join(failures))
    print(f"{len(pages)} pages render with text and images, no traceback or warning.")


if __name__ == "__main__":
    main()
