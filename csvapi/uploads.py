"""Getting spreadsheets out of a request: presence, size limit, then the shared reader.

Views call `uploaded_file` while validating parameters (400 / 413) and `read_uploaded_table` once they
know the caller may do the work, so the order of checks of SPEC §2 falls out naturally.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from rest_framework import status
from rest_framework.exceptions import APIException

from spreadsheets import FileFormatError, MissingHeadings, ReadBudget, Table, UnsupportedFileType, read_table


class UploadRejected(APIException):
    """An upload we will not process; rendered as `{"error": message}` with `status_code`."""

    def __init__(self, message: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(detail=message)
        self.status_code = status_code


@dataclass(frozen=True)
class Upload:
    name: str  # the client's file name: for messages only, never a path
    data: bytes


def _mebibytes(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _checked(upload, field: str) -> Upload:
    if not isinstance(upload, UploadedFile):
        raise UploadRejected(f"The '{field}' field must be a file upload (multipart/form-data), not text.")
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise UploadRejected(
            f"The file '{upload.name}' is {_mebibytes(upload.size)}; the largest file accepted is {_mebibytes(limit)}.",
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return Upload(name=upload.name or field, data=upload.read())


def uploaded_file(request, field: str = "file") -> Upload:
    """The one file sent as `field`, or UploadRejected (400 missing/not a file, 413 too large)."""
    upload = request.FILES.get(field) if hasattr(request, "FILES") else None
    if upload is None:
        value = request.data.get(field) if hasattr(request.data, "get") else None
        if value is None:
            raise UploadRejected(f"No file was uploaded: send the spreadsheet as the multipart field '{field}'.")
        return _checked(value, field)
    return _checked(upload, field)


def uploaded_files(request, field: str = "file") -> list[Upload]:
    """Every file sent as `field` (several may be sent at once), each checked as in `uploaded_file`."""
    uploads = request.FILES.getlist(field) if hasattr(request, "FILES") else []
    if not uploads:
        return [uploaded_file(request, field)]
    total = sum(upload.size for upload in uploads)
    if total > settings.UPLOAD_MAX_BYTES:
        raise UploadRejected(
            f"The files add up to {_mebibytes(total)}; at most {_mebibytes(settings.UPLOAD_MAX_BYTES)} "
            "may be sent in one request.",
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return [_checked(upload, field) for upload in uploads]


def read_uploaded_table(upload: Upload, *, required=(), unsupported_status: int = status.HTTP_400_BAD_REQUEST) -> Table:
    """Parse an upload with the shared reader within the configured budget; any problem becomes UploadRejected
    naming the file. ``required`` headings are checked as soon as the heading row is read.

    Doubtfire routes pass `unsupported_status=403`: its clients expect 403 for a non-CSV file.
    """
    try:
        return read_table(upload.data, required=required, budget=ReadBudget.from_settings(settings))
    except UnsupportedFileType as error:
        raise UploadRejected(str(error), unsupported_status) from None
    except MissingHeadings as error:
        raise UploadRejected(str(error)) from None  # the message lists what the file has: no need to name it
    except FileFormatError as error:
        raise UploadRejected(f"{upload.name}: {error}") from None
