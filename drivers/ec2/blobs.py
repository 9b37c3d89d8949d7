"""S3 buckets and blobs: locations, user metadata, streamed transfers, presigned downloads.

Uploads stream: a body of up to one part goes up in a single PutObject, a larger one as a
multipart upload of fixed-size parts, so memory stays bounded by one part whatever the blob's
size; a failed upload is aborted, leaving nothing partial behind. Downloads stream the object's
body in chunks. A presigned URL lets a client fetch a large blob from S3 directly (a Lambda
response can't carry more than 6 MB).
"""

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from deltacloud.driver import Filters
from deltacloud.drivers.streams import whole_or_pieces
from deltacloud.errors import Conflict, NotFound, ValidationError
from deltacloud.model import Blob, Bucket

from .base import EC2Base, timestamp
from .regions import REGIONS

#: multipart part size: S3's minimum is 5 MiB; each part is held in memory while it uploads
PART_SIZE = 8 * 1024 * 1024
DOWNLOAD_CHUNK = 64 * 1024
#: how long a presigned download URL stays valid (seconds)
PRESIGNED_SECONDS = 3600
#: S3 sends user metadata as ``x-amz-meta-<name>`` headers: names must be header tokens
_METADATA_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
#: one RFC 2047 encoded word in UTF-8 and base64, as :func:`_check_metadata` writes a value
_ENCODED_WORD = re.compile(r"=\?utf-8\?b\?([A-Za-z0-9+/]*={0,2})\?=", re.IGNORECASE)


def _check_metadata(user_metadata: Mapping[str, str]) -> dict[str, str]:
    """Metadata as S3 stores it: names checked; a value beyond ASCII (botocore refuses those as they are), or one
    that reads like the encoding, as one RFC 2047 encoded word, the form S3 itself answers for such values."""
    bad = [name for name in user_metadata if not _METADATA_NAME.match(name)]
    if bad:
        raise ValidationError(f"Invalid blob metadata names: {', '.join(repr(b) for b in bad)}")
    return {name: value if value.isascii() and "=?" not in value
            else f"=?utf-8?b?{base64.b64encode(value.encode()).decode()}?=" for name, value in user_metadata.items()}


def _read_metadata(stored: Mapping[str, str]) -> dict[str, str]:
    """Metadata as the client gave it (see :func:`_check_metadata`); any other value as S3 holds it."""
    return {name: _decoded_word(value) for name, value in stored.items()}


def _decoded_word(value: str) -> str:
    word = _ENCODED_WORD.fullmatch(value)
    if word is None:
        return value
    try:
        return base64.b64decode(word[1], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return value


class EC2Blobs(EC2Base):
    # -- buckets --------------------------------------------------------------------------
    def buckets(self, filters: Filters) -> list[Bucket]:
        if filters.get("id"):
            found = self.bucket(filters["id"])
            return [found] if found is not None else []
        # names only: counting every bucket's blobs would cost one more call per bucket
        return [Bucket(id=b["Name"], name=b["Name"]) for b in self.aws.call("s3", "list_buckets")["Buckets"]]

    def bucket(self, bucket_id: str) -> Bucket | None:
        if self.aws.find("s3", "head_bucket", Bucket=bucket_id) is None:
            return None
        keys = [o["Key"] for o in self.aws.items("s3", "list_objects_v2", "Contents", Bucket=bucket_id)]
        location = self.aws.call("s3", "get_bucket_location", Bucket=bucket_id).get("LocationConstraint")
        return Bucket(id=bucket_id, name=bucket_id, size=len(keys), blob_ids=keys, location=location or "us-east-1")

    def create_bucket(self, name: str, location: str | None) -> Bucket:
        region = location or self.region
        if region not in REGIONS:
            raise ValidationError(f"Unknown bucket location '{region}' (locations: {', '.join(REGIONS)})")
        # a bucket of another account answers 403 here: create_bucket then says BucketAlreadyExists (409)
        if self.aws.find("s3", "head_bucket", Bucket=name, absent=("403",)) is not None:
            # S3 answers re-creating one's own bucket in us-east-1 with success, and the bucket keeps its blobs
            raise Conflict(f"Bucket '{name}' already exists")
        params: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":  # S3's quirk: us-east-1 is the absence of a constraint
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        self.aws.call("s3", "create_bucket", region=region, **params)
        return Bucket(id=name, name=name, location=region)

    def destroy_bucket(self, bucket_id: str) -> None:
        self.aws.call("s3", "delete_bucket", Bucket=bucket_id)

    # -- blobs ----------------------------------------------------------------------------
    def blob(self, bucket_id: str, blob_id: str) -> Blob | None:
        head = self.aws.find("s3", "head_object", Bucket=bucket_id, Key=blob_id)
        if head is None:
            return None
        return Blob(
            id=blob_id,
            bucket_id=bucket_id,
            content_length=int(head.get("ContentLength", 0)),
            content_type=head.get("ContentType", ""),
            last_modified=timestamp(head.get("LastModified")),
            user_metadata=_read_metadata(head.get("Metadata") or {}),
        )

    def _blob(self, bucket_id: str, blob_id: str) -> Blob:
        found = self.blob(bucket_id, blob_id)
        if found is None:
            raise NotFound(f"Blob '{blob_id}' not found in bucket '{bucket_id}'")
        return found

    def create_blob(
        self, bucket_id: str, blob_id: str, content: Iterator[bytes], content_type: str,
        user_metadata: Mapping[str, str],
    ) -> Blob:
        params: dict[str, Any] = {"Bucket": bucket_id, "Key": blob_id, "Metadata": _check_metadata(user_metadata)}
        if content_type:
            params["ContentType"] = content_type
        body = whole_or_pieces(content, PART_SIZE)
        if isinstance(body, bytes):
            self.aws.call("s3", "put_object", Body=body, **params)
        else:
            self._multipart(params, body)
        return self._blob(bucket_id, blob_id)

    def _multipart(self, params: dict[str, Any], parts: Iterator[bytes]) -> None:
        bucket, key = params["Bucket"], params["Key"]
        upload_id = self.aws.call("s3", "create_multipart_upload", **params)["UploadId"]
        try:
            done = []
            for number, data in enumerate(parts, start=1):
                etag = self.aws.call("s3", "upload_part", Bucket=bucket, Key=key, UploadId=upload_id,
                                     PartNumber=number, Body=data)["ETag"]
                done.append({"PartNumber": number, "ETag": etag})
            self.aws.call("s3", "complete_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id,
                          MultipartUpload={"Parts": done})
        except BaseException:  # a client that hangs up mid-upload leaves no partial blob behind
            self.aws.call("s3", "abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id)
            raise

    def destroy_blob(self, bucket_id: str, blob_id: str) -> None:
        self._blob(bucket_id, blob_id)  # DeleteObject succeeds for a missing key: look first, so it's a 404
        self.aws.call("s3", "delete_object", Bucket=bucket_id, Key=blob_id)

    def update_blob_metadata(self, bucket_id: str, blob_id: str, user_metadata: Mapping[str, str]) -> Blob:
        current = self._blob(bucket_id, blob_id)
        params: dict[str, Any] = {
            "Bucket": bucket_id, "Key": blob_id, "CopySource": {"Bucket": bucket_id, "Key": blob_id},
            "Metadata": _check_metadata(user_metadata), "MetadataDirective": "REPLACE",
        }
        if current.content_type:
            params["ContentType"] = current.content_type
        self.aws.call("s3", "copy_object", **params)  # S3 metadata changes only by copying the object onto itself
        return self._blob(bucket_id, blob_id)

    def blob_content(self, bucket_id: str, blob_id: str) -> Iterator[bytes]:
        body = self.aws.call("s3", "get_object", Bucket=bucket_id, Key=blob_id)["Body"]
        return self.aws.stream(body, DOWNLOAD_CHUNK)

    def blob_download_url(self, bucket_id: str, blob_id: str) -> str | None:
        client = self.aws.client("s3")
        return str(client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket_id, "Key": blob_id}, ExpiresIn=PRESIGNED_SECONDS,
        ))
