"""Routes of buckets and blobs (spec §7.10): uploads and downloads stream, never held whole in memory."""

import logging
from collections.abc import Iterator
from itertools import chain
from typing import BinaryIO
from urllib.parse import quote

from deltacloud.errors import ContentTooLarge, DeltacloudError, MissingParameter, NotFound, ValidationError
from deltacloud.model import Blob
from deltacloud.names import path_segment_name
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.types import Send

from . import blob_meta
from .body_stream import request_chunks, request_form
from .context import Call
from .negotiation import FORMATS
from .operations import operation
from .render_storage import BLOB, BUCKET, BlobView
from .rendering import render_created, render_one
from .responses import empty
from .routes_common import destroy_endpoint, found, index_endpoint, optional, show_endpoint

logger = logging.getLogger(__name__)

#: blobs up to this size have their content embedded in their JSON document (the original always did)
EMBED_LIMIT = 64 * 1024
#: bytes per read of a multipart upload's spooled file
CHUNK_SIZE = 1024 * 1024
#: HEAD and the metadata update answer with headers only: XML and JSON clients alone (spec §2.2)
HEADERS_ONLY = ("xml", "json")


# -- buckets ------------------------------------------------------------------------------
buckets_index = index_endpoint(BUCKET)
buckets_show = show_endpoint(BUCKET)
buckets_destroy = destroy_endpoint("buckets", capability="delete_bucket")


@operation("buckets", "create", required=("name",))
def buckets_create(call: Call) -> Response:
    location = optional(call, "location") or optional(call, "bucket_location")
    return render_created(call, BUCKET, call.driver.create_bucket(call.params["name"], location))


# -- blobs --------------------------------------------------------------------------------
def _view(call: Call, blob: Blob) -> BlobView:
    """Small text blobs carry their content in JSON; large or binary ones leave it to ``/content``."""
    if call.fmt != "json" or blob.content_length > EMBED_LIMIT:
        return BlobView(blob)
    try:
        return BlobView(blob, b"".join(call.driver.blob_content(blob.bucket_id, blob.id)).decode("utf-8"))
    except UnicodeDecodeError:
        return BlobView(blob)
    except NotFound:  # deleted meanwhile by another request: the document still describes what was stored
        return BlobView(blob)


@operation("buckets", "blob_show", capability="blob")
def blobs_show(call: Call) -> Response:
    blob = found(call.driver.blob(call.params["id"], call.params["blob_id"]))
    return render_one(call, BLOB, _view(call, blob))


@operation("buckets", "blob_create", capability="create_blob", raw_body=True)
def blobs_put(call: Call) -> Response:
    """``PUT``: the body is the content, streamed into the driver as it arrives (200, as the original)."""
    metadata = blob_meta.from_headers(call.request.headers.items())  # refused before any byte is read
    content_type = call.request.headers.get("content-type", "")
    blob_id = path_segment_name(call.params["blob_id"], "Blob")  # '..' would name the bucket itself
    blob = call.driver.create_blob(call.params["id"], blob_id, request_chunks(call.request), content_type, metadata)
    return render_one(call, BLOB, _view(call, blob), 200)


def _file_chunks(file: BinaryIO) -> Iterator[bytes]:
    while chunk := file.read(CHUNK_SIZE):
        yield chunk


@operation("buckets", "blob_create", capability="create_blob", raw_body=True)
def blobs_post(call: Call) -> Response:
    """Multipart form ``POST`` (201): ``blob_id``, ``blob_data`` and ``meta_params`` / ``meta_name<i>`` pairs."""
    form = request_form(call.request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    for name in ("blob_id", "blob_data"):
        if name not in form:
            raise MissingParameter(name, list(form.keys()))
    if "blob_id" not in fields:
        raise ValidationError("blob_id must be a form field, not a file")
    metadata = blob_meta.from_form(fields)
    data = form["blob_data"]
    if isinstance(data, UploadFile):
        content, content_type = _file_chunks(data.file), data.content_type or "application/octet-stream"
    else:
        content, content_type = iter([data.encode()]), "text/plain"
    blob_id = path_segment_name(fields["blob_id"], "Blob")  # a PUT's id is one path segment by its route
    blob = call.driver.create_blob(call.params["id"], blob_id, content, content_type, metadata)
    return render_one(call, BLOB, _view(call, blob), 201)


def _metadata_response(blob: Blob) -> Response:
    response = empty(204)
    response.raw_headers.extend(blob_meta.raw_headers(blob.user_metadata))
    return response


@operation("buckets", "blob_metadata", capability="blob_metadata", formats=HEADERS_ONLY)
def blobs_head(call: Call) -> Response:
    """``HEAD``: existence and user metadata, as ``X-Deltacloud-Blobmeta-*`` headers (204)."""
    blob = found(call.driver.blob(call.params["id"], call.params["blob_id"]))
    return _metadata_response(blob)


@operation("buckets", "blob_update_metadata", capability="update_blob_metadata", formats=HEADERS_ONLY)
def blobs_update_metadata(call: Call) -> Response:
    """``POST`` with metadata headers: they replace the blob's metadata and are echoed back (204)."""
    metadata = blob_meta.from_headers(call.request.headers.items())
    blob = call.driver.update_blob_metadata(call.params["id"], call.params["blob_id"], metadata)
    return _metadata_response(blob)


@operation("buckets", "blob_destroy", capability="delete_blob")
def blobs_destroy(call: Call) -> Response:
    call.driver.destroy_blob(call.params["id"], call.params["blob_id"])
    return empty(204)


class BlobStream(StreamingResponse):
    """A download streamed from the driver. When the cloud fails midway, the status is long sent: the
    failure is logged in one line and the response left unfinished, so the server closes the connection
    and the client sees the body end short of its Content-Length (a traceback told nothing more)."""

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        except DeltacloudError as error:
            logger.warning("a blob download broke off: %s", error.message)


def content_disposition(filename: str) -> str:
    """``attachment; filename=...`` that survives any blob id (RFC 6266 ``filename*`` beyond ASCII)."""
    if filename.isascii() and filename.isprintable():
        escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
        return f'attachment; filename="{escaped}"'
    return f"attachment; filename*=UTF-8''{quote(filename, safe='')}"


def _fits_a_lambda_answer(blob: Blob) -> bool:
    from deltacloud.lambda_handler import content_fits_an_answer  # Lambda's own: Mangum is imported there

    return content_fits_an_answer(blob.content_length, blob.content_type or "application/octet-stream")


def _direct_download(call: Call, blob: Blob) -> Response:
    """Content too large for a Lambda answer: a redirect to the cloud's own, short-lived URL for it (S3's
    presigned one), or, from a cloud without one, a clear refusal instead of a failed function (a 502)."""
    url = call.driver.blob_download_url(blob.bucket_id, blob.id)
    if url is None:
        raise ContentTooLarge(
            f"Blob '{blob.id}' holds {blob.content_length} bytes of {blob.content_type or 'content'}: more than an "
            f"answer through API Gateway carries (6 MB, encoded), and the {call.driver_name} driver offers no direct "
            "download URL")
    return RedirectResponse(url, status_code=307)


@operation("buckets", "blob_content", capability="blob", formats=FORMATS)
def blobs_content(call: Call) -> Response:
    """The raw content, streamed from the driver with its type and length; no ETag (never hashed)."""
    bucket_id, blob_id = call.params["id"], call.params["blob_id"]
    blob = found(call.driver.blob(bucket_id, blob_id))
    headers = {
        # exactly the stored type: a media_type argument would get "; charset=utf-8" appended to text types
        "Content-Type": blob.content_type or "application/octet-stream",
        "Content-Length": str(blob.content_length),
        "Content-Disposition": content_disposition(blob.id),
    }
    if call.request.method == "HEAD":
        return Response(b"", headers=headers)
    if "aws.event" in call.request.scope and not _fits_a_lambda_answer(blob):
        return _direct_download(call, blob)
    chunks = call.driver.blob_content(bucket_id, blob_id)
    started = [next(chunks, b"")]
    if len(started[0]) >= blob.content_length:
        following = next(chunks, None)  # None: the end, and the driver's file or connection is closed
        if following is None:
            # the whole content came as one chunk (the driver bounds its size): answered as it is, without
            # the trips between the event loop and the thread pool a stream costs for each chunk; its own
            # length, should the blob have been replaced since its record was read
            return Response(started[0], headers={**headers, "Content-Length": str(len(started[0]))})
        started.append(following)
    return BlobStream(chain(started, chunks), headers=headers)

