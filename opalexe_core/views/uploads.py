"""Resumable uploads over HTTP: the tus protocol, version 1.0.0
(https://tus.io/protocols/resumable-upload), extensions *creation*,
*termination* and *expiration*; then the deposit.

1. ``POST <folder>/televersements`` with ``Upload-Length`` and
   ``Upload-Metadata`` (``filename``, and optionally ``nature``: ``piece`` or
   ``dire`` in a party's folder, ``replaces``: the id of the document this
   one corrects) opens an upload: ``201 Created``, its address in
   ``Location`` (``/televersements/<id>``) and its expiry in
   ``Upload-Expires``. A refused name, format, size or right answers at once,
   in French, before any byte is sent.
2. ``PATCH /televersements/<id>`` with ``Upload-Offset`` and a body of at
   most ``opalexe.uploads.chunk_size`` bytes (``Content-Type:
   application/offset+octet-stream``) appends a chunk: ``204`` with the new
   ``Upload-Offset``; ``409`` when the offset is not where the upload stands.
   A connection cut in the middle of a chunk stores nothing of it.
3. ``HEAD /televersements/<id>`` says where the upload stands
   (``Upload-Offset``, ``Upload-Length``): a client resumes from there.
4. ``DELETE /televersements/<id>`` abandons it.
5. ``POST /televersements/<id>/depot`` deposits the complete upload: the
   document becomes available to every entitled participant; the answer
   (JSON) gives its title and address.

Every request but ``HEAD`` carries the session's CSRF token in
``X-CSRF-Token``. An upload is its uploader's only: anybody else gets 404.
The browser's client is tus-js-client (``static/vendor/tus-js-client``).
"""

from __future__ import annotations

import base64
import binascii
import re

from pyramid.httpexceptions import HTTPNoContent
from pyramid.response import Response
from pyramid.view import view_config

from ..contract import UserError
from ..i18n import _
from ..permissions import DEFAULT_PERMISSION, VIEW
from ..resources.expertise import Folder
from ..services.documents import (
    UploadNotFound,
    cancel_upload,
    deposit_upload,
    find_upload,
    receive_chunk,
    start_upload,
    upload_offset,
)
from ..services.platform import Refused
from ..services.uploads import UploadError

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
UPLOAD_ROUTE = "upload"
_NUMBER = re.compile(r"^\d{1,19}$")


def includeme(config):
    config.add_route(UPLOAD_ROUTE, "/televersements/{id}")
    config.add_route("upload_deposit", "/televersements/{id}/depot")


def retry_attempts(request):
    """pyramid_retry's hook: a chunk is never retried (it writes nothing to
    the database, and retrying would copy its body first)."""
    if request.method == "PATCH" and request.path_info.startswith("/televersements/"):
        return 1
    return None


def _tus(response: Response) -> Response:
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


def _answer(request, status: int, message=None, **headers) -> Response:
    """A tus answer; ``message`` (French, translated) in a plain-text body."""
    if status >= 400:
        request.tm.doom()
    text = request.localizer.translate(message) if message is not None else ""
    response = Response(status=status, body=text.encode(), content_type="text/plain", charset="utf-8")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = str(value)
    return _tus(response)


def _refusal(request, error: UserError) -> Response:
    status = 403 if isinstance(error, Refused) else getattr(error, "status", 400)
    return _answer(request, status, error.message)


def _metadata(header: str) -> dict[str, str]:
    """tus ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""
    found = {}
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _sep, encoded = pair.partition(" ")
        try:
            found[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError(key) from None
    return found


def _not_found(request) -> Response:
    return _answer(request, 404, _("Ce téléversement n'existe pas ou a expiré : recommencez le dépôt."))


def _upload(request):
    try:
        return find_upload(request.opalexe_platform, request.opalexe_actor, request.matchdict["id"])
    except UploadNotFound:
        return None


@view_config(context=Folder, name="televersements", request_method="POST", permission=VIEW)
def create(context, request):
    length = request.headers.get("Upload-Length", "")
    if not _NUMBER.match(length):
        return _answer(request, 400, _("Taille du fichier manquante ou illisible."))
    try:
        metadata = _metadata(request.headers.get("Upload-Metadata", ""))
    except ValueError:
        return _answer(request, 400, _("Description du fichier illisible."))
    try:
        upload = start_upload(request.opalexe_platform, request.opalexe_actor, context,
                              filename=metadata.get("filename", ""), length=int(length),
                              nature=metadata.get("nature") or None, replaces=metadata.get("replaces") or None)
    except UserError as error:
        return _refusal(request, error)
    expires = upload.created_at + request.registry.opalexe.documents.upload_expiry
    return _answer(request, 201, Location=request.route_url(UPLOAD_ROUTE, id=upload.id),
                   Upload_Expires=expires.strftime("%a, %d %b %Y %H:%M:%S GMT"))


@view_config(route_name=UPLOAD_ROUTE, request_method="OPTIONS", permission=DEFAULT_PERMISSION)
def options(request):
    documents = request.registry.opalexe.documents
    return _tus(HTTPNoContent(headers={"Tus-Version": TUS_VERSION, "Tus-Extension": TUS_EXTENSIONS,
                                        "Tus-Max-Size": str(documents.max_size)}))


@view_config(route_name=UPLOAD_ROUTE, request_method="HEAD", permission=DEFAULT_PERMISSION)
def head(request):
    upload = _upload(request)
    if upload is None:
        return _not_found(request)
    try:
        offset = upload_offset(request.opalexe_platform, request.opalexe_actor, upload)
    except UserError as error:
        return _refusal(request, error)
    return _answer(request, 200, Upload_Offset=offset, Upload_Length=upload.length)


@view_config(route_name=UPLOAD_ROUTE, request_method="PATCH", permission=DEFAULT_PERMISSION)
def patch(request):
    upload = _upload(request)
    if upload is None:
        return _not_found(request)
    if request.content_type != "application/offset+octet-stream":
        return _answer(request, 415, _("Type de contenu attendu : application/offset+octet-stream."))
    offset, length = request.headers.get("Upload-Offset", ""), request.headers.get("Content-Length", "")
    if not _NUMBER.match(offset) or not _NUMBER.match(length):
        return _answer(request, 400, _("Position ou longueur du morceau manquante ou illisible."))
    stream = request.environ["wsgi.input"]
    try:
        new_offset = receive_chunk(request.opalexe_platform, request.opalexe_actor, upload, int(offset),
                                   stream.read, int(length))
    except UploadError as error:
        if error.reason == "offset":
            return _answer(request, 409, _("Ce morceau n'est pas à la position attendue : reprenez le téléversement."))
        return _answer(request, 400, _("Ce morceau dépasse la taille annoncée du fichier, ou il est incomplet."))
    except UserError as error:
        return _refusal(request, error)
    return _answer(request, 204, Upload_Offset=new_offset)


@view_config(route_name=UPLOAD_ROUTE, request_method="DELETE", permission=DEFAULT_PERMISSION)
def delete(request):
    upload = _upload(request)
    if upload is None:
        return _not_found(request)
    cancel_upload(request.opalexe_platform, request.opalexe_actor, upload)
    return _answer(request, 204)


@view_config(route_name="upload_deposit", request_method="POST", renderer="json", permission=DEFAULT_PERMISSION)
def deposit(request):
    upload = _upload(request)
    if upload is None:
        return _not_found(request)
    try:
        document = deposit_upload(request.opalexe_platform, request.opalexe_actor, upload)
    except UserError as error:
        return _refusal(request, error)
    return {"title": document.title, "url": request.resource_url(document), "sha256": document.sha256,
            "id": document.id}

