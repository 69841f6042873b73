"""Anki packages (.apkg, .colpkg): reading them into decks, and exporting decks to Anki with genanki.

`importing.import_package` and `export.export_deck` are the entry points, handed the reader and writer of the
collection file inside a package (SQLite: `storage.anki_collection`) by the use case `quizzer.anki_io`.
"""
