"""`quizzer serve` in the browser: page ready (first question visible) and a warm answer's grade on screen.

Launches the real command (`quizzer serve --cram` over the bundled decks, a fresh database, config and
embedding cache) and drives Debian's chromium headless with Playwright. Times come from the page itself:
`performance.mark`s the quiz script sets when the question is shown, when an answer is submitted and when its
grade is shown (milliseconds since the navigation started, i.e. since the request). Each answer comes after
`--reading` seconds on its question, as a learner's would (the server prepares the card meanwhile). Baselines
in the same run: the first paint of a page of the same server without the quiz (its 404 page), the same
answers to the same cards graded in-process by the grader alone, and a plain `fetch('/api/status')` round trip.

    .venv/bin/python benchmarks/serve_page.py [--runs 20] [--reading 2] [--chromium /usr/bin/chromium]

Targets (issue 21): first question visible within 300 ms of the request; a warm answer's grade shown within
150 ms of submitting (median of 20).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ANSWER = ("It saves memory by sharing most of the weights between layers and quantizing them to 8-bit integers, "
          "so the model is smaller and faster on the device.")
LAST = "(name) => performance.getEntriesByName(name).at(-1)?.startTime ?? null"


def start_server(folder: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "QUIZZER_CONFIG": str(folder / "config.toml"),
           "QUIZZER_CACHE_DIR": str(folder / "cache")}
    env.pop("QUIZZER_DB", None)
    server = subprocess.Popen([sys.executable, "-m", "quizzer", "serve", "--cram", "--port", "0", "--db",
                               str(folder / "bench.db")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=env, cwd=ROOT)
    for line in server.stdout:  # type: ignore[union-attr]
        match = re.search(r"Open (http://\S+)", line)
        if match:
            return server, match.group(1)
    raise SystemExit("quizzer serve did not start")


def page_ready(browser: Any, url: str) -> dict[str, float]:
    """Opens the quiz in a new tab; milliseconds from the request to the first byte, first paint, question shown."""
    page = browser.new_page()
    try:
        page.goto(url)
        # Polled from here: the page's CSP (no eval) rules out wait_for_function.
        while page.evaluate(LAST, "quizzer:question-shown") is None:
            time.sleep(0.01)
        return page.evaluate("""() => ({
            first_byte: performance.getEntriesByType('navigation')[0].responseStart,
            first_paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
            question_shown: performance.getEntriesByName('quizzer:question-shown')[0].startTime,
        })""")
    finally:
        page.close()


def plain_page(browser: Any, url: str) -> float:
    """Baseline: ms from the request to the first paint of a page of the same server without the quiz (its 404
    page: the same stylesheet, no quiz script, no database)."""
    page = browser.new_page()
    try:
        page.goto(url)
        paint = "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
        while (value := page.evaluate(paint)) is None:
            time.sleep(0.01)
        return float(value)
    finally:
        page.close()


def wait_for_model(page: Any, timeout: float = 300.0) -> float:
    started = time.perf_counter()
    while not page.evaluate("async () => (await (await fetch('/api/status')).json()).model_ready"):
        if time.perf_counter() - started > timeout:
            raise SystemExit("the model did not load")
        time.sleep(0.2)
    return time.perf_counter() - started


def grade_times(page: Any, runs: int, reading: float, cards: list[tuple[str, str]] | None = None) -> list[float]:
    """Answers `runs` cards, each after `reading` seconds on its question (while the server prepares the card);
    per answer, ms from submitting (Enter) to the grade shown. Each grade is accepted. `cards` gets (deck, id)."""
    times = []
    for _ in range(runs):
        time.sleep(reading)
        if cards is not None:
            deck, card_id = page.locator("#card-meta").text_content().split(" · ")[1:3]
            cards.append((deck, card_id))
        page.locator("#answer").fill(ANSWER)
        page.locator("#answer").press("Enter")
        page.locator("#grade").wait_for(state="visible", timeout=120_000)
        shown, submitted = page.evaluate(LAST, "quizzer:grade-shown"), page.evaluate(LAST, "quizzer:answer-submitted")
        times.append(shown - submitted)
        page.keyboard.press("Enter" if page.locator("#actions kbd").first.text_content() == "Enter" else "r")
        page.locator("#answer:not([disabled])").wait_for(timeout=30_000)
    return times


def grade_in_process(folder: Path, cards: list[tuple[str, str]]) -> list[float]:
    """Baseline: the same answers to the same cards graded by the embedding grader in this process, each card
    prepared first as the server prepares it (`prepare`; ms per `grade` call)."""
    os.environ.update(HF_HUB_OFFLINE="1", QUIZZER_CONFIG=str(folder / "config.toml"),
                      QUIZZER_CACHE_DIR=str(folder / "cache"))
    from quizzer.core.config import load_config
    from quizzer.core.types import Submission
    from quizzer.deck.catalog import load
    from quizzer.grading.registry import make_grader

    grader = make_grader("embedding", load_config())
    decks = {name: load(name) for name, _ in cards}
    grader.grade(Submission.for_card(decks[cards[0][0]].cards[0], ANSWER, cards[0][0]))  # warm
    times = []
    for deck, card_id in cards:
        card = decks[deck].card(card_id)
        grader.prepare([Submission.for_card(card, "", deck)])  # type: ignore[attr-defined]
        started = time.perf_counter()
        grader.grade(Submission.for_card(card, ANSWER, deck))
        times.append((time.perf_counter() - started) * 1000)
    return times


def round_trips(page: Any, runs: int) -> list[float]:
    return page.evaluate("""async (runs) => {
        const times = [];
        for (let i = 0; i < runs; i++) {
            const started = performance.now();
            await (await fetch('/api/status')).json();
            times.push(performance.now() - started);
        }
        return times;
    }""", runs)


def describe(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):.1f} ms (min {ordered[0]:.1f}, p90 {p90:.1f}, max {ordered[-1]:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reading", type=float, default=2.0, help="seconds on each question before answering")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as name, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        server, url = start_server(Path(name))
        try:
            cold = page_ready(browser, url)  # the model is still loading in the background
            warm = [page_ready(browser, url) for _ in range(args.runs)]
            plain = [plain_page(browser, url.replace("/quiz", "/no-such-page")) for _ in range(args.runs)]
            page = browser.new_page()
            page.goto(url)
            waited = wait_for_model(page)
            grade_times(page, 3, args.reading)  # the first grades after loading warm up torch's kernels
            cards: list[tuple[str, str]] = []
            grades = grade_times(page, args.runs, args.reading, cards)
            trips = round_trips(page, args.runs)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
            browser.close()
        alone = grade_in_process(Path(name), cards)
    print(f"load average: {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    print(f"first page, model loading: first byte {cold['first_byte']:.1f} ms, first paint "
          f"{cold['first_paint'] or float('nan'):.1f} ms, question shown {cold['question_shown']:.1f} ms")
    print(f"page ready, {args.runs} new tabs: question shown {describe([run['question_shown'] for run in warm])}")
    print(f"  first byte {describe([run['first_byte'] for run in warm])}")
    print(f"  first paint {describe([run['first_paint'] for run in warm if run['first_paint'] is not None])}")
    print(f"baseline: first paint of the server's 404 page (no quiz) {describe(plain)}")
    print(f"model loaded {waited:.1f} s after the page was opened")
    print(f"warm grade shown after submitting, {args.runs} answers ({args.reading:g} s on each question first): "
          f"{describe(grades)}")
    print(f"baseline: the same grades in-process (grader.grade alone): {describe(alone)}")
    print(f"baseline: fetch('/api/status') round trip: {describe(trips)}")


if __name__ == "__main__":
    main()
