"""Importing Anki packages built by Anki itself (current and legacy layouts), .colpkg and genanki files."""

from __future__ import annotations

from pathlib import Path

import pytest

from anki_packages import NoteSpec, NoteTypeSpec, build_with_anki, build_with_genanki
from quizzer.anki_io import import_package, read_package
from quizzer.core.errors import DeckError, QuizzerError
from quizzer.deck.anki.convert import MEDIA_NOTE, note_card_id
from quizzer.deck.anki.fields import FieldChoice, summarize_note_types
from quizzer.deck.anki.importing import AnkiImportOptions, AnkiImportResult
from quizzer.deck.loader import load_deck
from quizzer.deck.model import Deck

VOCAB = NoteTypeSpec("Vocab", ["Word", "Meaning", "Example", "Source"],
                     [("Recognition", "{{Word}}", "{{Meaning}}"), ("Production", "{{Meaning}}", "{{type:Word}}")])
ONE_FIELD = NoteTypeSpec("Scratchpad", ["Text"], [("Card 1", "{{Text}}", "{{Text}}")])
MEDIA = {"joint.png": b"\x89PNG picture bytes", "joint.mp3": b"ID3 sound bytes"}
NOTES = [
    NoteSpec({"Front": "<h1>How to use this deck</h1><p>Say each answer aloud.</p>", "Back": ""}, deck="Interview::ASR"),
    NoteSpec({"Front": "What does <b>CTC</b> stand for?", "Back": "<div>Connectionist Temporal</div><div>Classification</div>"},
             deck="Interview::ASR", tags=["asr", "ctc"]),
    NoteSpec({"Front": "RNN-T", "Back": "Recurrent neural network transducer"}, "Basic (and reversed card)",
             deck="Interview::ASR", tags=["asr"]),
    NoteSpec({"Front": 'Which network is drawn here? <img src="joint.png">', "Back": "The joint network [sound:joint.mp3]"},
             deck="Interview::ASR"),
    NoteSpec({"Front": "By what is attention scaled?", "Back": r"\(\frac{1}{\sqrt{d_k}}\)"}, deck="Interview::ASR"),
    NoteSpec({"Front": "What does <b>CTC</b> stand for?", "Back": "<div>Connectionist Temporal</div><div>Classification</div>"},
             deck="Interview::ASR"),
    NoteSpec({"Text": "{{c1::Distillation}} trains a small {{c2::student::who?}} model", "Back Extra": "Hinton, 2015"},
             "Cloze", deck="Interview::Models", tags=["compression"]),
    NoteSpec({"Word": "Hund", "Meaning": "dog", "Example": "Der Hund bellt.", "Source": "<i>Duden</i>"}, "Vocab",
             deck="Vocab"),
    NoteSpec({"Word": "Katze", "Meaning": "cat", "Example": "", "Source": "Duden"}, "Vocab", deck="Vocab"),
    NoteSpec({"Text": "a thought"}, "Scratchpad", deck="Scratch"),
]


@pytest.fixture(scope="module", params=["current", "legacy"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("anki") / f"interview-{request.param}.apkg"
    return build_with_anki(path, NOTES, legacy=request.param == "legacy", media=MEDIA, note_types=[VOCAB, ONE_FIELD],
                           deck_descriptions={"Interview::ASR": "Speech recognition basics"})


def run(package: Path, folder: Path, **options: object) -> AnkiImportResult:
    return import_package(package, AnkiImportOptions(output=folder, **options))  # type: ignore[arg-type]


def decks_in(folder: Path) -> dict[str, Deck]:
    return {path.name: load_deck(path) for path in sorted(folder.glob("*.yaml"))}


def test_both_layouts_are_read_from_the_collection_their_meta_names(package: Path) -> None:
    read = read_package(package)
    assert read.layout == ("collection.anki21" if "legacy" in package.name else "collection.anki21b")
    assert {note_type.name for note_type in read.note_types.values()} >= {"Basic", "Cloze", "Vocab", "Scratchpad"}
    assert len(read.notes) == len(NOTES)
    assert set(read.media) == set(MEDIA)


def test_each_anki_deck_becomes_a_deck_file_named_by_its_full_path(package: Path, tmp_path: Path) -> None:
    result = run(package, tmp_path)
    decks = decks_in(tmp_path)
    assert set(decks) == {"interview-asr.yaml", "interview-models.yaml", "vocab.yaml"}  # Scratch made no cards
    asr = decks["interview-asr.yaml"]
    assert asr.name == "Interview::ASR" and asr.description == "Speech recognition basics"
    assert [item.anki_name for item in result.decks] == ["Interview::ASR", "Interview::Models", "Vocab"]


def test_basic_notes_give_clean_question_and_answer_with_tags_and_guid_ids(package: Path, tmp_path: Path) -> None:
    run(package, tmp_path)
    asr = decks_in(tmp_path)["interview-asr.yaml"]
    ctc = asr.cards[0]
    assert (ctc.question, ctc.references, ctc.tags) == (
        "What does CTC stand for?", ("Connectionist Temporal\nClassification",), ("asr", "ctc"))
    first_ctc = next(note for note in read_package(package).notes if "CTC" in note.fields[0])  # not its duplicate
    assert ctc.id == note_card_id(first_ctc.guid)
    math = next(card for card in asr.cards if card.question.startswith("By what"))
    assert math.reference == "1/√d_k"
    assert [card.question for card in asr.cards if card.question == "RNN-T"] == ["RNN-T"]  # no reverse unless asked


def test_ids_are_stable_across_imports(package: Path, tmp_path: Path) -> None:
    run(package, tmp_path / "one")
    run(package, tmp_path / "two")
    one, two = decks_in(tmp_path / "one"), decks_in(tmp_path / "two")
    assert {name: deck.cards for name, deck in one.items()} == {name: deck.cards for name, deck in two.items()}


def test_empty_duplicate_and_one_field_notes_are_reported(package: Path, tmp_path: Path) -> None:
    problems = run(package, tmp_path).problems
    assert any('("How to use this deck Say each answer aloud.")' in p and "field 'Back' is empty; skipped" in p
               for p in problems)
    assert any("same question and answer as card anki-" in p for p in problems)
    assert "note type 'Scratchpad' has one field (Text): a card needs a question and an answer; name the answer's " \
           "field with --answer-field; its note was skipped" in problems


def test_cloze_notes_give_a_card_per_deletion_with_hints(package: Path, tmp_path: Path) -> None:
    run(package, tmp_path)
    models = decks_in(tmp_path)["interview-models.yaml"]
    assert [(card.question, card.reference) for card in models.cards] == [
        ("[...] trains a small student model", "Distillation"),
        ("Distillation trains a small [who?] model", "student"),
    ]
    assert [card.id[-3:] for card in models.cards] == ["-c1", "-c2"]
    assert all(card.notes == "Hinton, 2015" and card.tags == ("compression",) for card in models.cards)


def test_reverse_adds_the_reversed_card_where_a_template_asks_the_answer(package: Path, tmp_path: Path) -> None:
    run(package, tmp_path, fields=FieldChoice(reverse=True))
    decks = decks_in(tmp_path)
    reversed_cards = [card for deck in decks.values() for card in deck.cards if card.id.endswith("-r")]
    assert sorted((card.question, card.reference) for card in reversed_cards) == [
        ("Recurrent neural network transducer", "RNN-T"), ("cat", "Katze"), ("dog", "Hund")]


def test_extra_fields_become_labelled_notes_or_the_chosen_ones(package: Path, tmp_path: Path) -> None:
    run(package, tmp_path / "default")
    hund = decks_in(tmp_path / "default")["vocab.yaml"].cards[0]
    assert (hund.question, hund.reference, hund.notes) == ("Hund", "dog", "Example: Der Hund bellt.\n\nSource: Duden")
    run(package, tmp_path / "chosen", deck="Vocab",
        fields=FieldChoice(question="meaning", answer="Word", notes=("Source",)))
    (deck,) = decks_in(tmp_path / "chosen").values()
    assert [(card.question, card.reference, card.notes) for card in deck.cards] == [
        ("dog", "Hund", "Duden"), ("cat", "Katze", "Duden")]


def test_media_are_reported_named_in_the_notes_and_copied_on_request(package: Path, tmp_path: Path) -> None:
    result = run(package, tmp_path / "decks", media=tmp_path / "media")
    card = next(card for card in decks_in(tmp_path / "decks")["interview-asr.yaml"].cards if "drawn" in card.question)
    assert (card.question, card.reference) == ("Which network is drawn here?", "The joint network")
    assert card.notes == MEDIA_NOTE + "joint.png, joint.mp3"
    assert result.media == {"joint.png": [card.id], "joint.mp3": [card.id]}
    assert sorted(result.media_copied) == ["joint.mp3", "joint.png"] and result.media_missing == []
    for name, data in MEDIA.items():
        assert (tmp_path / "media" / name).read_bytes() == data


def test_list_fields_shows_each_note_types_fields_with_an_example(package: Path) -> None:
    summaries = {summary.name: summary for summary in summarize_note_types(read_package(package))}
    assert summaries["Vocab"].fields == (("Word", "Hund"), ("Meaning", "dog"), ("Example", "Der Hund bellt."),
                                         ("Source", "Duden"))
    assert summaries["Vocab"].templates == ("Recognition", "Production") and summaries["Vocab"].notes == 2
    assert summaries["Cloze"].cloze and "Basic (optional reversed card)" not in summaries  # only types with notes


def test_deck_option_picks_one_deck_and_names_the_others_when_wrong(package: Path, tmp_path: Path) -> None:
    result = run(package, tmp_path / "models.yaml", deck="interview::models", name="Models")
    assert [item.path.name for item in result.decks] == ["models.yaml"]
    assert load_deck(tmp_path / "models.yaml").name == "Models"
    with pytest.raises(QuizzerError, match=r"no deck named 'Nope' \(its decks: Interview::ASR, Interview::Models, "
                                           r"Scratch, Vocab\)"):
        run(package, tmp_path, deck="Nope")


def test_several_decks_need_a_folder_and_existing_files_are_refused_before_any_is_written(
    package: Path, tmp_path: Path
) -> None:
    with pytest.raises(QuizzerError, match="holds 3 decks, and --output .*one.yaml names one file"):
        run(package, tmp_path / "one.yaml")
    (tmp_path / "vocab.yaml").write_text("keep me", encoding="utf-8")
    with pytest.raises(QuizzerError, match="vocab.yaml already exists"):
        run(package, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["vocab.yaml"]  # the other two were not written
    assert (tmp_path / "vocab.yaml").read_text(encoding="utf-8") == "keep me"


def test_unknown_field_names_are_reported_per_note_type(package: Path, tmp_path: Path) -> None:
    result = run(package, tmp_path, fields=FieldChoice(question="Word", answer="Meaning"), deck="Vocab")
    assert len(result.decks[0].deck.cards) == 2
    with pytest.raises(DeckError, match="note type 'Basic' has no field 'Word' \\(its fields: Front, Back\\)"):
        run(package, tmp_path / "asr", fields=FieldChoice(question="Word"), deck="Interview::ASR")


def test_a_collection_package_is_read_like_a_deck_package(tmp_path: Path) -> None:
    path = build_with_anki(tmp_path / "collection.colpkg", [NoteSpec({"Front": "Q?", "Back": "A"}, deck="Mine")],
                           colpkg=True)
    result = import_package(path, AnkiImportOptions(output=tmp_path / "mine.yaml"))
    assert [(card.question, card.reference) for card in result.decks[0].deck.cards] == [("Q?", "A")]


def test_genanki_packages_with_cloze_and_media_lists(tmp_path: Path) -> None:
    picture = tmp_path / "plot.png"
    picture.write_bytes(b"png")
    path = build_with_genanki(tmp_path / "g.apkg", [("g1", ["Capital of France?", 'Paris <img src="plot.png">'],
                                                     ["geo"])], cloze=["{{c1::Berlin}} is in Germany"],
                              media_files=[str(picture)])
    result = import_package(path, AnkiImportOptions(output=tmp_path / "g.yaml", media=tmp_path / "media"))
    deck = result.decks[0].deck
    assert deck.name == "genanki deck"
    assert [(card.id, card.question, card.reference) for card in deck.cards] == [
        (note_card_id("g1"), "Capital of France?", "Paris"), (note_card_id("cloze0") + "-c1", "[...] is in Germany",
                                                               "Berlin")]
    assert result.media_copied == ["plot.png"] and (tmp_path / "media" / "plot.png").read_bytes() == b"png"


def test_update_keeps_quizzer_fields_adds_new_notes_and_reports_removed_ones(tmp_path: Path) -> None:
    first = build_with_genanki(tmp_path / "v1.apkg", [("n1", ["What is CTC?", "A loss"], ["asr"]),
                                                      ("n2", ["What is LAS?", "Listen, attend, spell"], []),
                                                      ("n3", ["What is WER?", "Word error rate"], [])])
    deck_file = tmp_path / "deck.yaml"
    import_package(first, AnkiImportOptions(output=deck_file))
    ctc_id, las_id, wer_id = (note_card_id(guid) for guid in ("n1", "n2", "n3"))
    text = deck_file.read_text(encoding="utf-8").replace(
        "  answer: A loss\n  key_points: []", "  answers:\n  - A loss\n  - An alignment-free loss\n"
        "  key_points:\n  - sums over alignments\n  notes: Written in quizzer.")
    deck_file.write_text(text, encoding="utf-8")
    second = build_with_genanki(tmp_path / "v2.apkg", [("n1", ["What is <b>CTC</b>?", "A sequence loss"], ["asr"]),
                                                       ("n3", ["What is WER?", "Word error rate"], []),
                                                       ("n4", ["What is RNN-T?", "A transducer"], [])])
    with pytest.raises(QuizzerError, match="already exists"):
        import_package(second, AnkiImportOptions(output=deck_file))
    result = import_package(second, AnkiImportOptions(output=deck_file, update=True))
    update = result.decks[0].update
    assert (update.added, update.updated, update.unchanged, update.missing) == ([note_card_id("n4")], [ctc_id],
                                                                                [wer_id], [las_id])
    deck = load_deck(deck_file)
    ctc = deck.card(ctc_id)
    assert ctc.references == ("A sequence loss", "An alignment-free loss")
    assert (ctc.question, ctc.key_points, ctc.notes) == ("What is CTC?", ("sums over alignments",), "Written in quizzer.")
    assert [card.id for card in deck.cards] == [ctc_id, las_id, wer_id, note_card_id("n4")]  # removed note kept
    import_package(second, AnkiImportOptions(output=deck_file, update=True, delete_missing=True))
    assert [card.id for card in load_deck(deck_file).cards] == [ctc_id, wer_id, note_card_id("n4")]
