"""Anki packages (.apkg, .colpkg): reading them into decks, and exporting decks to Anki with genanki.

`importing.import_package` and `export.export_deck` are the entry points; `package` is the only module that
opens Anki's SQLite files.
"""
