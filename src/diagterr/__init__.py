"""diagterr: the diagnostic dossier of a French territory, from open data, in one command."""

import os

# Arrow allocates through the C library's malloc, not its bundled mimalloc, which keeps the pages
# freed by Arrow's reader threads: a dossier's peak resident memory is ~80-120 MB lower (issue 19).
# Read by pyarrow when it is first imported (later, and always, in the table readers); a value the
# user set wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__version__ = "0.1.0"
