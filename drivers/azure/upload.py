"""Uploads to Azure Blob storage that concurrent writers of one blob cannot mix.

libcloud's ``upload_object_via_stream`` stages every upload's blocks under the same ids (" 1", " 2",
...). Two uploads of one blob at once therefore overwrote each other's staged blocks: the first
commit stored the other writer's bytes under its own metadata (or a mix of both bodies), and the
second commit found its blocks gone (``400 InvalidBlockList``, a bare "Error in blocklist commit": 502).

Here a body of one block is a single Put Blob, which Azure applies atomically (last writer wins).
A longer body is staged under block ids unique to its upload, so it can never take in another's
bytes; if a concurrent write of the blob discarded them before the commit (Azurite drops every
staged block of a blob on any commit), the upload is refused whole as a conflict.
"""

import base64
import hashlib
import secrets
from collections.abc import Iterator, Mapping
from typing import Any
from xml.etree import ElementTree

from deltacloud.drivers.streams import whole_or_pieces
from deltacloud.drivers.typed_errors import provider_error, shortened
from deltacloud.errors import BackendError, Conflict

_CREATED = 201
#: random bytes naming one upload's blocks, then the block's number: 10 bytes in all, the length of
#: libcloud's own ids, because Azure refuses staged blocks of one blob whose ids differ in length
_UPLOAD_ID_BYTES = 7
_BLOCK_NUMBER_BYTES = 3  # up to 16 million blocks; Azure allows 50,000


def upload(sdk: Any, container: Any, name: str, content: Iterator[bytes], content_type: str,
           metadata: Mapping[str, str]) -> None:
    """Store ``content`` as blob ``name`` with its content type and user metadata, or raise a typed error."""
    from libcloud.storage.drivers.azure_blobs import AZURE_UPLOAD_CHUNK_SIZE

    path = sdk._get_object_path(container, name)
    properties = {"x-ms-blob-content-type": content_type, **{f"x-ms-meta-{k}": v for k, v in metadata.items()}}
    body = whole_or_pieces(content, AZURE_UPLOAD_CHUNK_SIZE)
    if isinstance(body, bytes):
        _put_blob(sdk, path, body, properties)
    else:
        _put_blocks(sdk, path, name, body, properties)


def _put_blob(sdk: Any, path: str, body: bytes, properties: dict[str, str]) -> None:
    headers = {**properties, "x-ms-blob-type": "BlockBlob", **_body_headers(body)}
    _expect_created(sdk.connection.request(path, method="PUT", data=body, headers=headers))


def _put_blocks(sdk: Any, path: str, name: str, blocks: Iterator[bytes], properties: dict[str, str]) -> None:
    upload_id = secrets.token_bytes(_UPLOAD_ID_BYTES)
    whole = hashlib.md5(usedforsecurity=False)
    block_ids = []
    for number, block in enumerate(blocks):
        block_id = base64.b64encode(upload_id + number.to_bytes(_BLOCK_NUMBER_BYTES, "big")).decode("ascii")
        whole.update(block)
        _expect_created(sdk.connection.request(path, method="PUT", data=block, headers=_body_headers(block),
                                               params={"comp": "block", "blockid": block_id}))
        block_ids.append(block_id)
    block_list = ElementTree.Element("BlockList")
    for block_id in block_ids:
        ElementTree.SubElement(block_list, "Uncommitted").text = block_id
    body = ElementTree.tostring(block_list, encoding="utf-8", xml_declaration=True)
    headers = {**properties, "x-ms-blob-content-md5": base64.b64encode(whole.digest()).decode("ascii"),
               **_body_headers(body)}
    response = sdk.connection.request(path, method="PUT", data=body, headers=headers, params={"comp": "blocklist"})
    if response.status == 400 and _error(response)[0] == "InvalidBlockList":
        # every id names a block this upload staged: only another write of the blob can have dropped them
        raise Conflict(f"Blob '{name}' was written or deleted by a concurrent request during this upload, and "
                       "Azure discarded this upload: the blob holds the other one. Upload again to replace it.")
    _expect_created(response)


def _body_headers(body: bytes) -> dict[str, str]:
    # Azure checks the MD5 of what it received. libcloud signs Content-Length only when it is given, and
    # signs it as given, but Azure signs a zero length as "" (a 401): an empty body leaves it to requests
    headers = {"Content-MD5": base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode("ascii")}
    if body:
        headers["Content-Length"] = str(len(body))
    return headers


def _expect_created(response: Any) -> None:
    """Azure's refusal as a typed error (libcloud returns 400, 404 and 409 answers instead of raising)."""
    if response.status != _CREATED:
        code, message = _error(response)
        text = shortened(f"{code}: {message}" if code else message)
        if code == "Md5Mismatch" or response.status < 400:  # damaged on its way, or an answer no upload gets
            raise BackendError(f"Provider error ({response.status}): {text}")
        raise provider_error(None, response.status, text)


def _error(response: Any) -> tuple[str, str]:
    """Azure's error code and the first line of its message, from an error answer's XML body."""
    from defusedxml.ElementTree import ParseError, fromstring  # the answer is untrusted XML

    try:
        root = fromstring(response.body)
    except ParseError:
        return "", shortened(response.body) or f"HTTP {response.status}"
    return root.findtext("Code") or "", (root.findtext("Message") or "").split("\n")[0]
