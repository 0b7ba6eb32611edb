"""Terraform's encoding and hash functions beyond the common ones in functions.py: CSV, URL
and text encodings, SHA-1/SHA-512, base64 digests, digests of files, uuidv5."""

from __future__ import annotations

import base64
import codecs
import csv
import hashlib
import io
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from dicomguard.model import Unknown
from dicomguard.terraform.functions import function
from dicomguard.terraform.values import EvaluationError, to_string


def _utf8(value: Any) -> bytes:
    return to_string(value).encode("utf-8")


@function("sha1")
def _sha1(text: Any) -> Any:
    return hashlib.sha1(_utf8(text), usedforsecurity=False).hexdigest()


@function("sha512")
def _sha512(text: Any) -> Any:
    return hashlib.sha512(_utf8(text)).hexdigest()


@function("base64sha256")
def _base64sha256(text: Any) -> Any:
    return base64.b64encode(hashlib.sha256(_utf8(text)).digest()).decode("ascii")


@function("base64sha512")
def _base64sha512(text: Any) -> Any:
    return base64.b64encode(hashlib.sha512(_utf8(text)).digest()).decode("ascii")


def _file_digest(name: str, digest: Callable[[bytes], Any], encode: Callable[[Any], str]) -> None:
    def implementation(scope: Any, path: Any) -> Any:
        content = scope.files.read(to_string(path))
        if isinstance(content, Unknown):
            return content
        return encode(digest(content.encode("utf-8")))

    function(name, reads_files=True)(implementation)


def _hexadecimal(hashed: Any) -> str:
    return str(hashed.hexdigest())


def _base64_digest(hashed: Any) -> str:
    return base64.b64encode(hashed.digest()).decode("ascii")


def _md5(data: bytes) -> Any:
    return hashlib.md5(data, usedforsecurity=False)


def _sha1_digest(data: bytes) -> Any:
    return hashlib.sha1(data, usedforsecurity=False)


_file_digest("filemd5", _md5, _hexadecimal)
_file_digest("filesha1", _sha1_digest, _hexadecimal)
_file_digest("filesha256", hashlib.sha256, _hexadecimal)
_file_digest("filesha512", hashlib.sha512, _hexadecimal)
_file_digest("filebase64sha256", hashlib.sha256, _base64_digest)
_file_digest("filebase64sha512", hashlib.sha512, _base64_digest)


@function("urlencode")
def _urlencode(text: Any) -> Any:
    return urllib.parse.quote_plus(to_string(text), safe="")


@function("csvdecode")
def _csvdecode(text: Any) -> Any:
    try:
        rows = list(csv.reader(io.StringIO(to_string(text), newline=""), strict=True))
    except csv.Error as error:
        raise EvaluationError(f"invalid CSV: {error}") from None
    if not rows:
        raise EvaluationError("invalid CSV: the header line is missing")
    header, *records = rows
    decoded = []
    for number, record in enumerate(records, start=2):
        if len(record) != len(header):
            raise EvaluationError(f"invalid CSV: line {number} has {len(record)} fields, the "
                                  f"header {len(header)}")
        decoded.append(dict(zip(header, record, strict=True)))
    return decoded


def _codec(name: Any) -> str:
    try:
        return codecs.lookup(to_string(name)).name
    except LookupError:
        raise EvaluationError(f"unknown character encoding {to_string(name)!r}") from None


@function("textencodebase64")
def _textencodebase64(text: Any, encoding: Any) -> Any:
    try:
        encoded = to_string(text).encode(_codec(encoding))
    except UnicodeEncodeError as error:
        raise EvaluationError(f"the text cannot be written in {to_string(encoding)}: "
                              f"{error.reason}") from None
    return base64.b64encode(encoded).decode("ascii")


@function("textdecodebase64")
def _textdecodebase64(source: Any, encoding: Any) -> Any:
    try:
        return base64.b64decode(to_string(source), validate=True).decode(_codec(encoding))
    except ValueError as error:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise EvaluationError(f"invalid base64 text in {to_string(encoding)}: {error}") from None


_UUID_NAMESPACES = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL,
                    "oid": uuid.NAMESPACE_OID, "x500": uuid.NAMESPACE_X500}


@function("uuidv5")
def _uuidv5(namespace: Any, name: Any) -> Any:
    given = to_string(namespace)
    try:
        space = _UUID_NAMESPACES.get(given) or uuid.UUID(given)
    except ValueError:
        raise EvaluationError(f"uuidv5(): {given!r} is neither dns, url, oid, x500 nor a "
                              "UUID") from None
    return str(uuid.uuid5(space, to_string(name)))
