"""Why a document could not be ingested; each message names the file's problem precisely."""

from __future__ import annotations


class IngestError(Exception):
    """Base class: a document was rejected; the rest of the batch goes on."""

    code = "ingest_error"


class UnsupportedFormatError(IngestError):
    """The file's extension is not one of .pdf .docx .html .htm .md .markdown .txt."""

    code = "unsupported_format"


class EmptyDocumentError(IngestError):
    """The file has no bytes, or no text once its metadata is removed."""

    code = "empty_document"


class CorruptDocumentError(IngestError):
    """The file cannot be parsed as the format its extension claims."""

    code = "corrupt_document"


class ScannedDocumentError(IngestError):
    """A PDF whose pages have no text layer (images only): it would need OCR, unavailable offline."""

    code = "scanned_document"


class MetadataError(IngestError):
    """Front matter or sidecar metadata is missing, not YAML, or fails validation."""

    code = "bad_metadata"


class DuplicateVersionError(IngestError):
    """Two files in one batch declare the same doc_id and version."""

    code = "duplicate_version"


class MissingFileError(IngestError):
    """A path given on the command line does not exist."""

    code = "not_found"
