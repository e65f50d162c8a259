"""Views of the administration pages: thin, every one for administrators only.

Imports take two steps: the upload is checked and previewed (nothing written), and only the
confirmation, which carries the signed file back, writes it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin import services
from app.admin.access import admin_required
from app.admin.forms import (
    MAX_UPLOAD_BYTES,
    CodesDownloadForm,
    ConfirmImportForm,
    EditUserForm,
    ResetSecondFactorForm,
    UploadForm,
)
from app.auth import second_factor
from app.auth.forms import EmptyForm
from app.auth.services import AccountError
from app.credits.categories import category_choices
from app.db import db
from app.imports import sealed
from app.imports import units as units_import
from app.imports import users as users_import
from app.imports.codes_file import codes_csv
from app.imports.csv_files import RowError, decode
from app.models import User
from app.web.pagination import requested_page
from app.web.request_limits import accepts_upload

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _actor() -> User:
    return current_user._get_current_object()


def _read_upload(form: UploadForm) -> tuple[str, bytes, list[RowError]]:
    """The uploaded file's name and bytes, or an error when it is too big."""
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    name = (upload.filename or "upload.csv")[:200]
    if len(data) > MAX_UPLOAD_BYTES:
        message = _("The file is larger than %(mb)d MB. Split it, or use the command line.", mb=5)
        return name, b"", [RowError(1, message)]
    return name, data, []


def _sealed(purpose: str, name: str, data: bytes) -> ConfirmImportForm:
    """The confirmation form carrying the checked file (already known to decode)."""
    return ConfirmImportForm(
        upload=sealed.seal(purpose, {"name": name, "text": decode(data)})
    )


def _unsealed(purpose: str, form: ConfirmImportForm) -> dict | None:
    """The file carried by a confirmation form, if the form is valid and not too old."""
    if not form.validate_on_submit():
        return None
    return sealed.unseal(purpose, form.upload.data or "")


@bp.route("/")
@admin_required
def index() -> Response:
    """The administration starts with the list of users."""
    return redirect(url_for("admin.users"))


@bp.route("/users")
@admin_required
def users() -> str:
    """Users, searchable by username or full name, 50 a page."""
    query = request.args.get("q", "").strip()[:100]
    result = services.search_users(db.session, query, requested_page())
    return render_template("admin/users.html", result=result, query=query)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> Response | str | tuple[str, int]:
    """Change a user's roles, unit and active flag; deactivating needs a ticked confirmation."""
    user = db.session.get(User, user_id) or abort(404)
    form = EditUserForm()
    form.category.choices = category_choices(current_app.config, user.category)
    if not form.is_submitted():
        form.roles.data = sorted(user.role_names)
        form.unit_code.data = user.unit.code if user.unit else ""
        form.category.data = user.category or ""
        form.active.data = user.is_active
    elif form.validate():
        if user.is_active and not form.active.data and not form.confirm_deactivate.data:
            form.confirm_deactivate.errors = [_("Tick this box to confirm the deactivation.")]
        else:
            try:
                services.update_user(
                    db.session,
                    user,
                    roles=set(form.roles.data or []),
                    unit_code=(form.unit_code.data or "").strip(),
                    # A form without the field (an older page) keeps the category.
                    category=(form.category.data or None)
                    if form.category.raw_data
                    else user.category,
                    active=bool(form.active.data),
                    actor=_actor(),
                )
            except AccountError as error:
                flash(str(error), "error")
            else:
                flash(_("The changes to %(name)s are saved.", name=user.username), "success")
                return redirect(url_for("admin.edit_user", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        reset_form=EmptyForm(),
        mfa_form=ResetSecondFactorForm(),
        mfa_enrolled=second_factor.is_enrolled(db.session, user),
    ), status


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@admin_required
def reset_second_factor(user_id: int) -> Response:
    """Remove a user's authenticator and recovery codes and end their sessions (ticked box)."""
    user = db.session.get(User, user_id) or abort(404)
    form = ResetSecondFactorForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.confirm.data:
        flash(_("Tick the box to confirm the reset of the second factor."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id) + "#second-factor")
    second_factor.reset(db.session, user, actor_id=_actor().id)
    flash(
        _(
            "The second factor of %(name)s is reset and they are signed out everywhere.",
            name=user.username,
        ),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/activation-code", methods=["POST"])
@admin_required
def reset_code(user_id: int) -> Response | str:
    """Issue a new activation code and show it this once (only its hash is kept)."""
    user = db.session.get(User, user_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        code, expires_at = services.reset_activation_code(db.session, user, actor=_actor())
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/activation_code.html", user=user, code=code, expires_at=expires_at
    )


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
@admin_required
def end_user_sessions(user_id: int) -> Response:
    """Sign the user out on every device; the account stays active."""
    user = db.session.get(User, user_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.end_sessions(db.session, user, actor=_actor())
    flash(_("%(name)s has been signed out on every device.", name=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/import", methods=["GET", "POST"])
@admin_required
@accepts_upload
def import_users() -> str | tuple[str, int]:
    """Upload a users CSV: show its errors, or a preview to confirm. Nothing is written here."""
    form = UploadForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("admin/users_import.html", form=form, errors=[]), status
    name, data, errors = _read_upload(form)
    plan = users_import.plan_users(db.session, data) if not errors else None
    if plan is None or plan.errors:
        errors = errors or plan.errors
        return render_template("admin/users_import.html", form=form, errors=errors), 422
    return render_template(
        "admin/import_preview.html",
        kind="users",
        name=name,
        plan=plan,
        confirm=_sealed("users", name, data),
    )


@bp.route("/users/import/confirm", methods=["POST"])
@admin_required
@accepts_upload
def confirm_users_import() -> Response | str | tuple[str, int]:
    """Write a previewed users file (checked again) and show the new codes once."""
    form = ConfirmImportForm()
    payload = _unsealed("users", form)
    if payload is None:
        flash(_("This upload is too old or incomplete. Upload the file again."), "error")
        return redirect(url_for("admin.import_users"))
    plan = users_import.plan_users(db.session, payload["text"].encode("utf-8"))
    if plan.errors:
        return render_template(
            "admin/users_import.html", form=UploadForm(), errors=plan.errors
        ), 422
    summary, issued = users_import.import_users(
        db.session,
        plan,
        new_codes=bool(form.new_codes.data),
        actor_id=_actor().id,
        source=payload["name"],
    )
    download = CodesDownloadForm(
        codes=sealed.seal("codes", {"csv": codes_csv(issued)})
    )
    return render_template(
        "admin/users_imported.html", summary=summary, issued=issued, download=download
    )


@bp.route("/users/import/codes.csv", methods=["POST"])
@admin_required
@accepts_upload
def download_codes() -> Response:
    """The codes just shown, as a CSV file for HR (UTF-8 with BOM, opens in Excel)."""
    form = CodesDownloadForm()
    payload = sealed.unseal("codes", form.codes.data or "") if form.validate_on_submit() else None
    if payload is None:
        flash(_("These codes are no longer available. Issue new ones if they were lost."), "error")
        return redirect(url_for("admin.import_users"))
    return Response(
        payload["csv"],
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="activation-codes.csv"',
            "Cache-Control": "no-store",
        },
    )


def _units_page(form: UploadForm, errors: list[RowError], status: int) -> tuple[str, int]:
    tree = services.unit_tree(db.session, requested_page())
    return render_template("admin/units.html", tree=tree, form=form, errors=errors), status


@bp.route("/units")
@admin_required
def units() -> tuple[str, int]:
    """The unit tree with each unit's number of users, and the units upload form."""
    return _units_page(UploadForm(), [], 200)


@bp.route("/units/import", methods=["POST"])
@admin_required
@accepts_upload
def import_units() -> str | tuple[str, int]:
    """Upload a units CSV: show its errors, or a preview to confirm. Nothing is written here."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _units_page(form, [], 422)
    name, data, errors = _read_upload(form)
    plan = units_import.plan_units(db.session, data) if not errors else None
    if plan is None or plan.errors:
        return _units_page(form, errors or plan.errors, 422)
    return render_template(
        "admin/import_preview.html",
        kind="units",
        name=name,
        plan=plan,
        confirm=_sealed("units", name, data),
    )


@bp.route("/units/import/confirm", methods=["POST"])
@admin_required
@accepts_upload
def confirm_units_import() -> Response | tuple[str, int]:
    """Write a previewed units file (checked again: the database may have changed)."""
    payload = _unsealed("units", ConfirmImportForm())
    if payload is None:
        flash(_("This upload is too old or incomplete. Upload the file again."), "error")
        return redirect(url_for("admin.units"))
    plan = units_import.plan_units(db.session, payload["text"].encode("utf-8"))
    if plan.errors:
        return _units_page(UploadForm(), plan.errors, 422)
    summary = units_import.import_units(
        db.session, plan, actor_id=_actor().id, source=payload["name"]
    )
    flash(
        _(
            "Units imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            created=summary.created,
            updated=summary.updated,
            unchanged=summary.unchanged,
        ),
        "success",
    )
    return redirect(url_for("admin.units"))
