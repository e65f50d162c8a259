"""Views of the trainer studio: thin, for trainers and administrators only.

The home lists the courses a person edits with an upload form; an upload is checked at once and
staged (never published by itself); the check page lists what the checker found, file by file,
each problem linked to its line in the source view. A revision is shown only to the course's
editors and to administrators; anyone else gets a 404, as for a revision that does not exist.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.db import db
from app.models import CourseRevision, User
from app.studio import changes, editors, edits, home, revisions, source
from app.studio.access import studio_required
from app.studio.archive import ArchiveLimits
from app.studio.forms import (
    ArchiveUploadForm,
    ConfirmRevisionForm,
    GiftImportForm,
    StartRevisionForm,
)
from app.studio.uploads import UploadError, receive
from app.web.request_limits import accepts_archive

bp = Blueprint("studio", __name__, url_prefix="/studio")


def _actor() -> User:
    return current_user._get_current_object()


def _render_home(form: ArchiveUploadForm, refusal: str | None = None) -> str:
    return render_template(
        "studio/home.html",
        courses=home.studio_courses(db.session, _actor()),
        form=form,
        start_form=StartRevisionForm(),
        refusal=refusal,
        max_mb=current_app.config["STUDIO_MAX_UPLOAD_MB"],
    )


@bp.route("")
@studio_required
def index() -> str:
    """The courses this person edits (all of them for an admin) and the upload form."""
    return _render_home(ArchiveUploadForm())


@bp.route("/upload", methods=["POST"])
@studio_required
@accepts_archive
def upload() -> Response | tuple[str, int]:
    """Check and stage every course of an uploaded .zip; nothing is staged if any is refused."""
    form = ArchiveUploadForm()
    if not form.validate_on_submit():
        return _render_home(form), 422
    limits = ArchiveLimits.from_config(current_app.config)
    try:
        staged = receive(db.session, form.archive.data.stream, actor=_actor(), limits=limits)
    except UploadError as refusal:
        return _render_home(form, str(refusal)), 422
    if len(staged) == 1:
        return redirect(url_for("studio.revision", token=staged[0].token))
    flash(
        _(
            "%(count)d courses were checked and staged: %(ids)s.",
            count=len(staged),
            ids=", ".join(r.course_slug for r in staged),
        ),
        "success",
    )
    return redirect(url_for("studio.index"))


def _visible_revision(token: str) -> CourseRevision:
    """The revision named `token` if this person may see it; else a 404, whichever it is."""
    revision = revisions.revision_by_token(db.session, token)
    if revision is None or not editors.may_see(db.session, _actor(), revision.course_slug):
        abort(404)
    return revision


@bp.route("/revisions/<token>")
@studio_required
def revision(token: str) -> str:
    """What the check found in a revision, `path:line: severity: message`, grouped by file."""
    found = _visible_revision(token)
    root = revisions.folder(found)
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for problem in found.problems:
        by_file[problem["path"]].append(problem)
    files = [
        {"path": path, "problems": problems, "linked": source.file_in(root, path) is not None}
        for path, problems in sorted(by_file.items())
    ]
    may_change = editors.can_edit(db.session, _actor(), found.course_slug)
    planned = None
    if may_change and found.status == "staged" and not found.error_count:
        # The preview imports the course in a savepoint it rolls back: a writer's work.
        planned = changes.preview(db.use_writer(), found)
    return render_template(
        "studio/revision.html",
        revision=found,
        files=files,
        may_change=may_change,
        changes=planned,
        text_files=edits.editable_files(found),
        gift_form=GiftImportForm(formdata=None),
        confirm_form=ConfirmRevisionForm(formdata=None),
    )


@bp.route("/revisions/<token>/source/<path:name>")
@studio_required
def source_file(token: str, name: str) -> str:
    """One text file of a revision with line numbers; `#L12` highlights line 12."""
    found = _visible_revision(token)
    try:
        text = source.read_source(revisions.folder(found), name)
    except source.NotShownError:
        message = _("This file is not a text file, or too large, so it is not shown here.")
        # The file is there and may be seen; it is only not shown as text.
        return render_template("studio/not_shown.html", revision=found, name=name, message=message)
    if text is None:
        abort(404)
    marks: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for problem in found.problems:
        if problem["path"] == text.path:
            marks[problem["line"]].append(problem)
    editable = (
        found.status == "staged"
        and editors.can_edit(db.session, _actor(), found.course_slug)
        and edits.editable(found, text.path) is not None
    )
    return render_template(
        "studio/source.html", revision=found, source=text, marks=marks, editable=editable
    )
