"""Importers: evidence from other formats (the call for evidence, ATRS records) into the catalogue,
each through the exchange bundle's schemas and writer, so an import validates like a bundle."""
