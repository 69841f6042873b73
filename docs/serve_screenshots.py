"""Makes the README's screenshots of `quizzer serve`: docs/serve-quiz.png and docs/serve-progress.png.

A fresh database gets 30 days of quizzing on the bundled decks, graded by the real embedding grader (answers
are a card's own reference, a paraphrase of its key points, or a wrong answer, drawn with a fixed seed); then
the quiz page (a graded answer with its formula) and the progress page are shot in headless chromium.

    .venv/bin/python docs/serve_screenshots.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
WRONG = ("I don't remember.", "It makes the model bigger so it trains faster.", "Because of the attention layers.")
ANSWER = ("Dividing the logits by a temperature T > 1 softens the teacher's softmax, so the student sees how "
          "likely the wrong classes are; the soft loss is multiplied by T^2.")


def seed_history(db: Path, days: int = 30) -> None:
    """Quiz sessions on each of the last `days` days, with the real grader, a few overrides and decisions."""
    from quizzer.core.config import load_config
    from quizzer.core.types import Verdict
    from quizzer.deck.catalog import load
    from quizzer.grading.registry import make_grader
    from quizzer.session import QuizOptions, QuizSession
    from quizzer.storage.db import connect

    chance = random.Random(21)
    grader = make_grader("embedding", load_config())
    decks = [load("msft-asr"), load("e2e-asr")]
    connection = connect(db)
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=days)
    for day in range(days):
        if chance.random() < 0.15:
            continue  # a day off
        now = [start + timedelta(days=day, minutes=chance.randint(0, 600))]
        session = QuizSession(connection, decks, grader, QuizOptions(new=3, limit=12), clock=lambda: now[0])
        while (item := session.current) is not None:
            roll = chance.random()
            card = item.card
            text = card.references[-1] if roll < 0.55 else "; ".join(card.key_points[:1]) if roll < 0.8 else chance.choice(WRONG)
            outcome = session.submit(text, round(chance.uniform(8, 40), 1))
            if outcome.needs_decision:
                session.decide(chance.choice([Verdict.CORRECT, Verdict.PARTIAL, Verdict.INCORRECT]))
            elif chance.random() < 0.08:
                session.mark(outcome.grade.verdict is not Verdict.CORRECT)
            else:
                session.accept()
            now[0] += timedelta(minutes=1)
    connection.close()


def shrink(path: Path) -> None:
    """A 256-colour PNG: a few times smaller, and text stays sharp."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    os.environ.update(HF_HUB_OFFLINE="1", QUIZZER_CONFIG=str(folder / "config.toml"), QUIZZER_DB=str(folder / "q.db"),
                      QUIZZER_CACHE_DIR=str(folder / "cache"))
    import httpx
    from playwright.sync_api import sync_playwright
    from web_server import LiveServer, open_context

    from quizzer.core.config import load_config
    from quizzer.deck.catalog import bundled_decks, load
    from quizzer.grading.registry import make_grader

    db = folder / "q.db"
    seed_history(db)
    grader = make_grader("embedding", load_config())
    decks = [load(path) for path in bundled_decks()]
    with LiveServer(open_context(db, decks, lambda: grader, grader_name="embedding")) as server, \
            sync_playwright() as playwright:
        # The temperature card of on-device-asr, after the two distillation cards before it are shown and skipped.
        quiz = httpx.get(f"{server.url}/api/next", params={"deck": "on-device-asr", "tag": "distillation", "new": "3"}).json()
        for _ in range(2):
            card = quiz["card"]
            shown = httpx.post(f"{server.url}/api/answer", json={"session": quiz["session"], "deck": card["deck"],
                                                                 "card_id": card["card_id"], "answer": ""}).json()
            quiz = httpx.post(f"{server.url}/api/reviews/{shown['review_id']}/skip", json={}).json()["next"]
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 900, "height": 1000})
        page.goto(server.url + quiz["url"])
        page.locator("#answer").fill(ANSWER)
        page.locator("#answer").press("Enter")
        page.locator("#grade").wait_for(state="visible", timeout=120_000)
        page.evaluate("document.activeElement.blur()")
        page.screenshot(path=str(ROOT / "docs" / "serve-quiz.png"), full_page=True)
        page.goto(f"{server.url}/progress")
        page.locator("#hardest table").wait_for(timeout=60_000)  # the last section drawn
        height = page.evaluate("document.querySelector('#hardest').closest('section').getBoundingClientRect().top")
        page.screenshot(path=str(ROOT / "docs" / "serve-progress.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": 900, "height": height - 8})
        browser.close()
    for name in ("serve-quiz.png", "serve-progress.png"):
        shrink(ROOT / "docs" / name)
        print(ROOT / "docs" / name, (ROOT / "docs" / name).stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main()
