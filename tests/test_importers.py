"""Importers: the user's seed notes, CSV, TSV and Anki exports become decks; what they cannot read is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizzer.core.errors import DeckError, QuizzerError
from quizzer.deck.card_ids import slugify
from quizzer.deck.importers import import_file, no_key_points_warning, strip_html
from quizzer.deck.notes_import import split_questions
from quizzer.deck.loader import load_deck
from quizzer.deck.writer import deck_to_yaml, write_deck

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "fixtures" / "seed_notes.txt"  # a copy of ../shared/seeds/000_de2fc0b874be015e.txt
CURATED_SEED_DECK = REPO / "decks" / "msft-asr.yaml"


def test_seed_notes_become_five_cards_each_paired_with_the_paragraph_after_it() -> None:
    result = import_file(SEED)
    deck = result.deck
    assert result.format == "notes"
    assert deck.name == "MSFT specific Flashcards"
    pairs = [(card.question, card.reference) for card in deck.cards]
    assert pairs == [
        ("What improvement was made in the transducer model?",
         "They reduced training time and improved efficiency by solving the memory issue in the speech transducer."),
        ("What is a problem with our transducer model?",
         "Indeed the transducer model consume a lot of memory and so it is hard to use big training batches"),
        ("Why transducer model consume all this memory?", "They contain a 4-D joint output"),
        ("Is it always the case that RNN-T consumer more memory?",
         "Not necessarily, it depends on the cases and architecture under consideration"),
        ("What is one architecture option, deployed for the windows team that needs models <200MB for their ASR model?",
         "They are deploying residual Transformer models. Of course there are other ways to make the model smaller "
         "without compromising the performance."),
    ]
    # Later paragraphs are the explanation: notes, with the list kept as a list.
    assert deck.cards[2].notes.startswith("One popular type of transducer model is the RNN-T")
    assert "outer product of these two probability distributions" in deck.cards[2].notes
    assert "\n- It represents the joint probability distribution" in deck.cards[3].notes
    assert deck.cards[0].notes == "" and deck.cards[4].notes == ""
    assert result.problems == []
    assert result.warnings == [no_key_points_warning(5, 5)]
    assert result.warnings[0].startswith("5 imported cards have no key points yet")
    assert len({card.id for card in deck.cards}) == 5


def test_seed_import_has_as_many_cards_as_the_curated_seed_deck() -> None:
    assert len(import_file(SEED).deck.cards) == len(load_deck(CURATED_SEED_DECK).cards) == 5


def test_imported_deck_written_as_yaml_loads_back_identically(tmp_path: Path) -> None:
    deck = import_file(SEED).deck
    target = tmp_path / "seed.yaml"
    write_deck(deck, target, header="Imported for a test.")
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Imported for a test.\n")
    assert "notes: |" in text  # multi-line explanations stay readable block strings
    loaded = load_deck(target)
    assert loaded.cards == deck.cards
    assert loaded.name == deck.name


def test_writer_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    deck = import_file(SEED).deck
    target = tmp_path / "seed.yaml"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(QuizzerError, match="already exists"):
        write_deck(deck, target)
    assert target.read_text(encoding="utf-8") == "keep me"
    write_deck(deck, target, force=True)
    assert len(load_deck(target).cards) == 5


def test_writer_refuses_a_folder_and_a_name_the_loader_would_not_read(tmp_path: Path) -> None:
    deck = import_file(SEED).deck
    (tmp_path / "folder.yaml").mkdir()
    with pytest.raises(QuizzerError, match="is a folder"):  # was an IsADirectoryError traceback with --force
        write_deck(deck, tmp_path / "folder.yaml", force=True)
    with pytest.raises(QuizzerError, match=r"must end \.yaml or \.yml"):  # `decks check` refuses a .txt deck
        write_deck(deck, tmp_path / "deck.txt")
    assert not (tmp_path / "deck.txt").exists()


def test_notes_report_what_they_cannot_use(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(
        "Some preamble that is not a question.\n\n"
        "What is CTC? What is RNN-T?\n\nOnly one answer for two questions.\n\n"
        "What is LAS?\n\nListen, attend and spell.\n\nAn attention encoder-decoder.\n\n"
        "Is this last question answered?\n",
        encoding="utf-8",
    )
    result = import_file(path)
    assert [card.question for card in result.deck.cards] == ["What is CTC? What is RNN-T?", "What is LAS?"]
    assert result.deck.cards[1].notes == "An attention encoder-decoder."
    assert result.deck.name == "notes"
    assert result.problems == [
        f"{path}:1: text before the first question was not imported",
        f"{path}:3: 2 questions on one line but only 1 answer paragraph(s) after them; imported as one card",
        f"{path}:13: question 'Is this last question answered?' has no answer after it; skipped",
    ]


def test_split_questions_and_slugs() -> None:
    assert split_questions("What X? Why Y?") == ["What X?", "Why Y?"]
    assert split_questions("Is a '?' in code odd?") == ["Is a '?' in code odd?"]
    assert slugify("Why does the RNN-T joint network use so much memory?") == "rnn-t-joint-network-use-so-much"
    assert slugify("¿Qué?") == "que"


def test_card_id_slugs_stay_as_they_were_so_reimported_notes_keep_their_ids() -> None:
    # Pinned from the importer as it was before grading's word lists moved to data files: the importer keeps
    # its own, narrower list of dropped words ("so", "about", "use" stay in ids), whatever grading drops.
    pinned = {
        "What does the joint network of a transducer compute, and why is it so large?":
            "joint-network-transducer-compute-so-large",
        "How do you quantize a model for on-device use?": "you-quantize-model-on-device-use",
        "Which of these would you use: CTC or LAS?": "you-use-ctc-las",
        "Was there anything that could be done about their memory?": "anything-done-about-memory",
        "What is the 4-D joint output?": "4-d-joint-output",
        "Café au lait — what is it?": "cafe-au-lait",
        "the of and?": "the-of-and",
    }
    assert {question: slugify(question) for question in pinned} == pinned


def test_csv_with_header_reads_all_columns_and_reports_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    path.write_text(
        "Question,Answer,id,key_points,tags,notes,colour\n"
        "What is CTC?,Connectionist temporal classification,ctc,"
        'alignment-free; blank symbol,ctc asr,"Graves, 2006",red\n'
        '"What is WER?","Word error rate:\n(S+D+I)/N",,substitutions|deletions|insertions,,,\n'
        "What is missing?,,,,,,\n"
        "What is CTC again?,Duplicate id,ctc,,,,\n",
        encoding="utf-8",
    )
    result = import_file(path)
    assert result.format == "csv"
    first, second, third = result.deck.cards
    assert (first.id, first.key_points, first.tags, first.notes) == (
        "ctc", ("alignment-free", "blank symbol"), ("ctc", "asr"), "Graves, 2006")
    assert second.reference == "Word error rate:\n(S+D+I)/N"
    assert second.key_points == ("substitutions", "deletions", "insertions")
    assert second.id == "wer" and second.line == 3
    assert third.id == "ctc-again"
    assert result.problems == [
        f"{path}:1: unknown column 'colour' ignored (known: id, question, answer, key_points, tags, notes, type, "
            "tolerance, ordered, partial_credit)",
        f"{path}:5: row without an answer; skipped",
        f"{path}:6: id 'ctc' is taken; made a new one",
    ]
    assert result.warnings == ["1 of 3 imported cards have no key points yet: grading feedback is weaker without "
                               "them; add the facts a complete answer must contain under each card's key_points"]


def test_tsv_import_and_missing_header_columns(tmp_path: Path) -> None:
    path = tmp_path / "cards.tsv"
    path.write_text("front\tback\nWhat is a beam?\tThe set of best partial hypotheses kept.\n", encoding="utf-8")
    result = import_file(path)
    assert [(c.question, c.reference) for c in result.deck.cards] == [
        ("What is a beam?", "The set of best partial hypotheses kept.")]
    assert result.warnings == [no_key_points_warning(1, 1)]
    bad = tmp_path / "bad.tsv"
    bad.write_text("prompt\treply\nQ?\tA\n", encoding="utf-8")
    with pytest.raises(DeckError) as caught:
        import_file(bad)
    assert f"{bad}:1: the header row has no question or answer column" in caught.value.problems[0]


ANKI = (
    "#separator:tab\n"
    "#html:true\n"
    "#tags column:3\n"
    "What does <b>RNN-T</b> add to CTC?\tA prediction network<br>conditioned on previous labels &amp; a joint"
    " network.\tasr rnn-t\n"
    "Empty answer?\t\tasr\n"
    "{{c1::Cloze}} deletion\tExtra\t\n"
    "Why quantize?<div>(on-device)</div>\tSmaller&nbsp;and faster models.\tondevice\n"
)


def test_anki_plain_text_export_with_html_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "anki-export.txt"
    path.write_text(ANKI, encoding="utf-8")
    result = import_file(path)
    assert result.format == "anki"
    first, second = result.deck.cards
    assert first.question == "What does RNN-T add to CTC?"
    assert first.reference == "A prediction network\nconditioned on previous labels & a joint network."
    assert first.tags == ("asr", "rnn-t")
    assert (first.line, second.line) == (4, 7)
    assert second.question == "Why quantize?\n(on-device)"
    assert second.reference == "Smaller and faster models."
    assert result.problems == [
        f"{path}:5: row without an answer; skipped",
        f"{path}:6: cloze note skipped (quizzer cards need a question and an answer)",
    ]


def test_anki_without_html_keeps_markup_and_reads_other_separators(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text("#separator:semicolon\n#html:false\n#deck column:1\nASR::Basics;What is <WER>?;An error rate\n",
                    encoding="utf-8")
    result = import_file(path)
    (card,) = result.deck.cards
    assert (card.question, card.reference) == ("What is <WER>?", "An error rate")
    assert result.deck.name == "Basics"


def test_strip_html_lists_and_entities() -> None:
    assert strip_html("<ul><li>one</li><li>two &lt;3</li></ul>") == "- one\n- two <3"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deck.yaml", "cards: []\n", "is already a YAML deck"),
        ("data.json", "{}", "cannot tell how to import a .json file"),
        ("empty.txt", "\n\n", "no cards found in it as notes"),
    ],
)
def test_unusable_input_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DeckError) as caught:
        import_file(path)
    assert any(message in problem for problem in caught.value.problems)


def test_non_utf8_import_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("What?\n\nR\xe9ponse\n".encode("latin-1"))
    with pytest.raises(DeckError, match=rf"{path}:3: not UTF-8 text"):
        import_file(path)


def test_deck_to_yaml_keeps_empty_key_points_as_a_reminder() -> None:
    text = deck_to_yaml(import_file(SEED).deck)
    assert text.count("key_points: []") == 5


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("q-and-a.txt", "Q: What does CTC stand for?\nA: Connectionist temporal classification.\n\n"
                        "Q: What is LAS\nA: Listen, attend and spell.\n"),
        ("question-answer.txt", "Question: What does CTC stand for?\nAnswer: Connectionist temporal classification.\n"
                                "Question: What is LAS\nAnswer: Listen, attend and spell.\n"),
        ("lines.txt", "What does CTC stand for?\nConnectionist temporal classification.\n"
                      "What is LAS?\nListen, attend and spell.\n"),
        ("headings.md", "# What does CTC stand for?\nConnectionist temporal classification.\n\n"
                        "# What is LAS\n\nListen, attend and spell.\n"),
    ],
)
def test_the_common_note_formats_are_read(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = import_file(path)
    assert result.problems == []
    pairs = [(card.question.rstrip("?"), card.reference) for card in result.deck.cards]
    assert pairs == [("What does CTC stand for", "Connectionist temporal classification."),
                     ("What is LAS", "Listen, attend and spell.")]


def test_a_top_heading_over_question_headings_is_the_title_and_later_paragraphs_are_notes(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# ASR notes\n\n## Beam search\nKeeps the k best hypotheses.\n\nMore about it.\n", encoding="utf-8")
    result = import_file(path)
    assert result.deck.name == "ASR notes"
    (card,) = result.deck.cards
    assert (card.question, card.reference, card.notes) == ("Beam search", "Keeps the k best hypotheses.", "More about it.")


def test_notes_without_a_question_say_which_formats_are_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Just some text.\n", encoding="utf-8")
    with pytest.raises(DeckError) as caught:
        import_file(path)
    assert "`Q:`" in (caught.value.hint or "") and "Markdown headings" in (caught.value.hint or "")
