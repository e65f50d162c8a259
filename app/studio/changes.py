"""What publishing a staged revision will change, worked out by doing it and taking it back.

The revision is imported exactly as publishing would import it (app.studio.trial_import), in a
savepoint that is always rolled back, so the summary can never disagree with what publishing
does: which lessons and questions are added, changed, moved or archived, how many learners have
progress in the lessons that change or go, and whether the credit hours change. It costs one
import of the course, so it runs when an editor opens the revision's page, not per learner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.content.lookup import course_by_slug
from app.content.sync import Tally
from app.models import Lesson, LessonProgress
from app.models.studio import CourseRevision
from app.studio import trial_import


@dataclass
class PublishChanges:
    """The difference between the published course and a staged revision of it."""

    new_course: bool
    lessons: Tally
    questions: Tally
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    learners_in_changed: int = 0
    learners_in_archived: int = 0
    hours_before: float | None = None
    hours_after: float = 0.0

    @property
    def hours_changed(self) -> bool:
        """Whether the course's declared credit hours differ from the published ones."""
        return self.hours_before is not None and self.hours_before != self.hours_after


class _LessonRow(NamedTuple):
    id: int
    content_hash: str
    archived: bool
    module_id: int
    position: int
    title: str


def _lessons(session: Session, course_id: int) -> dict[str, _LessonRow]:
    rows = session.execute(
        select(
            Lesson.slug,
            Lesson.id,
            Lesson.content_hash,
            Lesson.archived,
            Lesson.module_id,
            Lesson.position,
            Lesson.title,
        ).where(Lesson.course_id == course_id)
    ).all()
    return {row[0]: _LessonRow(*row[1:]) for row in rows}


def _learners_in(session: Session, lesson_ids: list[int]) -> int:
    if not lesson_ids:
        return 0
    return (
        session.scalar(
            select(func.count(func.distinct(LessonProgress.user_id))).where(
                LessonProgress.lesson_id.in_(lesson_ids)
            )
        )
        or 0
    )


def preview(session: Session, revision: CourseRevision) -> PublishChanges | None:
    """What publishing `revision` would change; None when it cannot be published (errors)."""
    if revision.status != "staged" or revision.error_count:
        return None
    published = course_by_slug(session, revision.course_slug)
    before = _lessons(session, published.id) if published else {}
    hours_before = published.credit_hours if published else None
    with trial_import.imported(session, revision) as trial:
        if trial is None:
            return None
        after = _lessons(session, trial.course.id)
        changes = PublishChanges(
            new_course=published is None,
            lessons=trial.result.lessons,
            questions=trial.result.questions,
            hours_before=hours_before,
            hours_after=trial.course.credit_hours,
        )
        changed_ids, archived_ids = [], []
        # Inserting a lesson shifts every position after it; "moved" is about order among the
        # lessons that stay, or a change of module.
        kept = [
            s
            for s, now in after.items()
            if not now.archived and s in before and not before[s].archived
        ]
        rank_before = {s: i for i, s in enumerate(sorted(kept, key=lambda s: before[s].position))}
        rank_after = {s: i for i, s in enumerate(sorted(kept, key=lambda s: after[s].position))}
        for slug, now in after.items():
            old = before.get(slug)
            was_live = old is not None and not old.archived
            if now.archived:
                if was_live:
                    changes.archived.append(now.title)
                    archived_ids.append(now.id)
            elif not was_live:
                changes.added.append(now.title)
            elif old.content_hash != now.content_hash:
                changes.changed.append(now.title)
                changed_ids.append(now.id)
            elif old.module_id != now.module_id or rank_before[slug] != rank_after[slug]:
                changes.moved.append(now.title)
        changes.learners_in_changed = _learners_in(session, changed_ids)
        changes.learners_in_archived = _learners_in(session, archived_ids)
    return changes
