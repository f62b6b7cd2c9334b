"""Importers: public and sector sources read into the catalogue through the records service.

Each importer matches what it reads to the records already there (organisations to the reference
list, tools by name, its own earlier imports by the source's address), writes through the same
service and checks as the forms, in one all-or-nothing transaction, and reports per record what it
created, updated or skipped and why. `--dry-run` runs exactly the same and then rolls back.
"""
