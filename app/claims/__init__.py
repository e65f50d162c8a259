"""Offline training claims: training done outside the academy, put to HR for credit hours.

- `evidence`: checking the uploaded file by its content, storing it, finding it again.
- `services`: submitting a claim, deciding it (an approval writes one ledger entry).
- `queries`: a learner's claims, and a unit subtree's claims for HR with filters and pages.
- `routes`: the blueprint and the learner's pages (/me/claims...).
- `review_pages`: HR's pages (/reports/units/<code>/claims...), on the same blueprint.
"""
