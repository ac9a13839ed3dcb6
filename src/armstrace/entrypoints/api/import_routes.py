"""Import through the API: upload a folder's files (CSV or XLSX), or one zip of them.

The upload is unpacked into a fresh temporary folder and handed to the same
``Importer`` as ``armstrace import``; the answer is the same report, with the
rejected rows themselves (file, row, column, reason). A zip is unpacked by hand,
by base name only, so no entry can write outside that folder.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from pydantic import BaseModel

from armstrace.adapters.io.mappings import load_mapping
from armstrace.adapters.io.readers import FileFormatError
from armstrace.entrypoints.api.context import context
from armstrace.entrypoints.api.security import note
from armstrace.services.importing import Importer, NothingToImport

router = APIRouter(prefix="/v1", tags=["import"])

SUFFIXES = (".csv", ".xlsx")
MAX_REJECTS_SHOWN = 1_000


class FileReportOut(BaseModel):
    file: str
    contract_file: str
    rows: int
    taken: int
    already_stored: int
    rejected: int


class RejectOut(BaseModel):
    file: str
    row: int
    column: str
    reason: str
    value: str


class ImportOut(BaseModel):
    run_id: str
    status: str
    taken: int
    rejected: int
    files: list[FileReportOut]
    rejects: list[RejectOut]
    rejects_truncated: bool


def _save(upload: UploadFile, folder: Path, budget: list[int]) -> None:
    name = PurePosixPath((upload.filename or "").replace("\\", "/")).name
    if name.lower().endswith(".zip"):
        _unzip(upload, folder, budget)
        return
    if not name.lower().endswith(SUFFIXES):
        raise HTTPException(422, f"{name or 'an upload'}: send .csv or .xlsx files, or one .zip of them")
    _copy(upload.file, folder / name, budget)


def _copy(source: object, target: Path, budget: list[int]) -> None:
    with target.open("wb") as out:
        while chunk := source.read(1 << 20):  # type: ignore[attr-defined]
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise HTTPException(413, "upload larger than the server accepts (--max-upload-mb)")
            out.write(chunk)


def _unzip(upload: UploadFile, folder: Path, budget: list[int]) -> None:
    try:
        with zipfile.ZipFile(upload.file) as archive:
            for info in archive.infolist():
                name = PurePosixPath(info.filename.replace("\\", "/")).name
                if info.is_dir() or not name.lower().endswith(SUFFIXES) or name.startswith("."):
                    continue
                with archive.open(info) as source:
                    _copy(source, folder / name, budget)
    except (zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
        raise HTTPException(422, f"{upload.filename}: not a readable zip ({exc})") from None


@router.post("/imports", status_code=201, response_model=ImportOut)
def post_import(request: Request, files: Annotated[list[UploadFile], File(
        description="parties, licences, items, custody_events, recoveries (.csv/.xlsx; Spanish names "
                    "too), or one .zip holding them")]) -> ImportOut:
    """Import interchange files exactly as ``armstrace import`` does: every row validated, bad rows
    rejected with file, row, column and reason, repeats counted and never stored twice."""
    ctx = context(request)
    base = ctx.settings.upload_dir
    work = Path(tempfile.mkdtemp(prefix="armstrace-upload-", dir=base))
    try:
        folder = work / "upload"
        folder.mkdir()
        budget = [ctx.settings.max_upload_mb << 20]
        for upload in files:
            _save(upload, folder, budget)
        rejects_path = work / "rejects.csv"
        try:
            report = Importer(ctx.store, ctx.clock, load_mapping()).run(folder, rejects_path)
        except (NothingToImport, FileFormatError) as exc:
            raise HTTPException(422, str(exc).replace(str(folder), "upload")) from None
        rejects: list[RejectOut] = []
        truncated = False
        with rejects_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if len(rejects) >= MAX_REJECTS_SHOWN:
                    truncated = True
                    break
                rejects.append(RejectOut(file=row["file"], row=int(row["row"]), column=row["column"],
                                         reason=row["reason"], value=row["value"]))
        note(request, f"import {report.run_id}: {report.taken} taken, {report.rejected} rejected")
        return ImportOut(run_id=report.run_id, status=report.status, taken=report.taken,
                         rejected=report.rejected, rejects=rejects, rejects_truncated=truncated,
                         files=[FileReportOut(file=Path(f.path).name, contract_file=f.contract_file,
                                              rows=f.rows, taken=f.taken, already_stored=f.already_stored,
                                              rejected=f.rejected_rows) for f in report.files])
    finally:
        shutil.rmtree(work, ignore_errors=True)
