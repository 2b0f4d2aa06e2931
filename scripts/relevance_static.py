"""Search quality of the static edition, measured in Chromium: recall@10 and MRR of its Pagefind search on
the relevance set, the bytes a query downloads, and the edition's size.

    python scripts/relevance_static.py EDITION [--cases tests/relevance.csv] [-v]

EDITION is a folder `qmarchive publish` wrote. It is served by `python -m http.server`; every query runs in a
fresh browser context (empty cache) through the edition's own search page (suche.html?q=…), and its first
ten hits are scored. The queries go through the page's own analysis (suche.js: phrases, typed filters,
gendered forms, compound splits) as a reader's would; the bytes include the split tables it fetches.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

from relevance_cases import Report, read_cases

K = 10
CHROMIUM = "/usr/bin/chromium"
_PAGE = re.compile(r"/seite/([a-z0-9-]+)/(\d+)\.html")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", type=Path)
    parser.add_argument("--cases", type=Path, default=Path("tests/relevance.csv"))
    parser.add_argument("-v", "--verbose", action="store_true", help="list the queries that missed pages")
    args = parser.parse_args()
    cases = read_cases(args.cases)
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1", "-d", str(args.edition)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    report = Report(engine="pagefind", k=K)
    downloaded: list[int] = []
    try:
        port = re.search(r"port (\d+)", server.stdout.readline())[1]
        base = f"http://127.0.0.1:{port}/"
        for _ in range(50):
            try:
                urlopen(base, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            for case in cases:
                context = browser.new_context()
                page = context.new_page()
                sizes: list[int] = []
                page.on(
                    "requestfinished", lambda request, sizes=sizes: sizes.append(request.sizes()["responseBodySize"])
                )
                page.goto(f"{base}suche.html?q={quote(case.query)}")
                page.locator("#qm-status").filter(has_text=re.compile("gefunden")).wait_for()
                page.wait_for_load_state("networkidle")
                hrefs = [a.get_attribute("href") for a in page.locator("#qm-treffer a").all()][:K]
                found = [f"{m[1]}/{m[2]}" for m in map(_PAGE.search, hrefs) if m]
                downloaded.append(sum(sizes))
                context.close()
                report.add(case, found)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{len(cases)} queries from {args.cases}, Pagefind in Chromium")
    print(f"{'kind':<16}{'n':>4}{'R@10':>8}{'MRR':>8}{'fill@10':>9}")
    for kind in report.kinds + [None]:
        n = sum(1 for c in cases if kind is None or c.kind == kind)
        print(
            f"{kind or 'all':<16}{n:>4}{report.recall_at_k(kind):>8.3f}{report.mrr(kind):>8.3f}{report.fill_at_k(kind):>9.3f}"
        )
    files = [p for p in args.edition.rglob("*") if p.is_file()]
    search = [p for p in (args.edition / "pagefind").rglob("*") if p.is_file()]
    print(
        f"bytes downloaded per query (search page, Pagefind, index chunks, 20 hit fragments; empty cache): "
        f"median {statistics.median(downloaded):,.0f}, max {max(downloaded):,.0f}"
    )
    print(
        f"edition: {len(files)} files, {sum(p.stat().st_size for p in files):,} bytes; "
        f"search index: {len(search)} files, {sum(p.stat().st_size for p in search):,} bytes"
    )
    if args.verbose:
        for case, found in report.misses:
            print(f"[pagefind] {case.kind:<14} {case.query!r}: missing {sorted(case.relevant - set(found))}")


if __name__ == "__main__":
    main()
