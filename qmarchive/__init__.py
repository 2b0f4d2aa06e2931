"""qmarchive: a searchable, citable archive of Quartiersmanagement planning documents."""

__version__ = "0.1.0"
