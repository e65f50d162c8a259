"""`POST /studio/hooks/git`: a forge tells the academy that the course repository changed.

No sign-in and no CSRF token: the HMAC-SHA256 signature of the body with GIT_WEBHOOK_SECRET is
the only credential (app.studio.git_source.webhook_sender). With no secret or no repository
configured the address does not exist (404). A wrong or missing signature is refused with 401
and audit-logged (capped per address, like other refusals); a valid one runs the same pull as
`courses pull` on GIT_COURSES_URL. A replayed delivery only pulls again, which changes nothing.
"""

from __future__ import annotations

from flask import abort, current_app, jsonify, request
from werkzeug.wrappers import Response

from app import csrf
from app.db import db
from app.errors.denials import record_refusal
from app.studio import git_pulls
from app.studio.git_source import GitSourceError, webhook_sender
from app.studio.routes import bp


@bp.route("/hooks/git", methods=["POST"])
@csrf.exempt
def git_hook() -> tuple[Response, int]:
    """Pull the configured course repository when a correctly signed delivery arrives."""
    config = current_app.config
    secret, url = config.get("GIT_WEBHOOK_SECRET") or "", config.get("GIT_COURSES_URL") or ""
    if not secret or not url:
        abort(404)
    sender = webhook_sender(secret, request.get_data(cache=True), request.headers)
    if sender is None:
        record_refusal("git_webhook_refused", actor_id=None, method=request.method, status=401)
        return jsonify(error="The signature is missing or wrong."), 401
    try:
        outcome = git_pulls.pull_courses(
            db.session,
            url,
            ref=config.get("GIT_COURSES_REF") or None,
            path=config.get("GIT_COURSES_PATH") or "",
            publish=bool(config.get("GIT_COURSES_PUBLISH")),
            timeout=config.get("GIT_TIMEOUT_SECONDS", 60),
        )
    except (GitSourceError, ValueError) as error:
        current_app.logger.warning("Webhook pull of %s failed: %s", url, error)
        return jsonify(error=str(error)), 502
    return jsonify(
        sender=sender,
        commit=outcome.commit,
        courses=[c.as_dict() for c in outcome.courses],
    ), 200
