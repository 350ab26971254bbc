"""The output folder of a dossier: one writer at a time, one territory, whole editions.

An edition (dossier.pdf, dossier.html, indicateurs.json, indicateurs.csv) is built in a hidden
folder inside the output folder, then its files are moved onto the previous ones, indicateurs.json
last. A full disk or any failure while building leaves the previous edition as it was, so the next
« Ce qui a changé » compares with the edition the reader has. Moving needs no disk space.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from diagterr.errors import BadInputError, FolderBusyError, OutputWriteError

log = logging.getLogger(__name__)

RUN_LOCK_FILE = ".diagterr-run.lock"
STAGING_PREFIX = ".edition-"
STAGING_SUFFIX = ".tmp"
# The order the files of an edition are published: indicateurs.json, read by the next
# « Ce qui a changé », comes last, once its PDF is in place.
PUBLISH_LAST = "indicateurs.json"


@contextmanager
def folder_lock(folder: Path, lock_name: str, busy: Callable[[str], str], *, remove: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (file `lock_name` in it, with our pid); `busy(holder_pid)`
    is the French message of the FolderBusyError raised when another process holds it.

    `remove`: delete the lock file when done (a folder left as it was found). A process that opened
    the file just before it was deleted then holds a lock on nothing: it checks, after locking, that
    the file is still the one at `lock_name`, and tries again if not.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / lock_name
    while True:
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "inconnu"
            handle.close()
            raise FolderBusyError(busy(holder)) from None
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        if remove:
            path.unlink(missing_ok=True)  # still locked: nobody else can be holding it
        handle.close()


def run_lock(folder: Path) -> AbstractContextManager[None]:
    """One writer at a time per dossier folder, `diagterr run` or a batch's site (the lock file goes
    when it ends)."""
    return folder_lock(
        folder, RUN_LOCK_FILE,
        lambda holder: f"Un autre diagterr (run, ou batch pour ce site) écrit déjà dans {folder} (processus {holder}). "
        "Attendez qu'il finisse, ou choisissez un autre dossier de sortie (--sortie).",
        remove=True,
    )


def check_writable(folder: Path, option: str = "--sortie") -> None:
    """Create `folder` if needed and make sure a file can be written in it (BadInputError if not);
    `option` is what the user changes to choose another folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise BadInputError(
            f"Impossible d'écrire dans le dossier de sortie {folder} ({reason}) : choisissez un dossier "
            f"où vous avez le droit d'écrire ({option})."
        ) from None


def territory_in_folder(folder: Path) -> tuple[str, str] | None:
    """(code, name) of the territory whose dossier `folder` holds (its indicateurs.json), if any."""
    try:
        territory = json.loads((folder / "indicateurs.json").read_text("utf-8"))["territory"]
        return str(territory["code"]), str(territory.get("name") or territory["code"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_same_territory(folder: Path, code: str, name: str, *, force: bool = False) -> None:
    """Refuse to write the dossier of `code` over another territory's (BadInputError), unless `force`."""
    found = territory_in_folder(folder)
    if found is None or found[0] == code or force:
        return
    raise BadInputError(
        f"{folder} contient déjà le dossier d'un autre territoire : {found[1]} ({found[0]}). "
        f"Choisissez un autre dossier de sortie pour {name} ({code}), ou --force pour le remplacer "
        "(le chapitre « Ce qui a changé » comparerait sinon deux territoires)."
    )


def remove_stale_staging(folder: Path) -> None:
    """Editions left half-built by a killed run (call it under the folder's lock)."""
    if folder.is_dir():
        for stale in folder.glob(f"{STAGING_PREFIX}*{STAGING_SUFFIX}"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
                log.info("édition inachevée d'une exécution interrompue supprimée : %s", stale.name)


def _write_failure(folder: Path, error: OSError) -> OutputWriteError:
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputWriteError(
            f"Plus de place sur le disque pour écrire le dossier dans {folder} ({reason}). "
            "L'édition précédente est restée intacte ; libérez de la place puis relancez."
        )
    return OutputWriteError(
        f"Impossible d'écrire le dossier dans {folder} ({reason}). L'édition précédente est restée intacte."
    )


@contextmanager
def staged_edition(out_dir: Path) -> Iterator[Path]:
    """Yield an empty hidden folder inside `out_dir` to write a whole edition in; when the block
    succeeds, move its files onto `out_dir` (indicateurs.json last). On any failure nothing of the
    new edition is left and an OSError (full disk…) becomes an OutputWriteError in French."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, suffix=STAGING_SUFFIX, dir=out_dir))
    except OSError as error:
        raise _write_failure(out_dir, error) from None
    try:
        try:
            yield staging
        except OSError as error:
            raise _write_failure(out_dir, error) from None
        names = sorted((p.name for p in staging.iterdir()), key=lambda name: (name == PUBLISH_LAST, name))
        for name in names:
            if (staging / name).is_dir() and (out_dir / name).is_dir():
                # a folder of the edition (cartes/): the previous one goes aside, removed with the staging
                os.replace(out_dir / name, staging / f"{name}.previous")
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


__all__ = [
    "check_same_territory", "check_writable", "folder_lock", "remove_stale_staging",
    "run_lock", "staged_edition", "territory_in_folder",
]
