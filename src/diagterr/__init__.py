"""diagterr: the diagnostic dossier of a French territory, from open data, in one command."""

__version__ = "0.1.0"
