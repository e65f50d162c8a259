"""Credit hours (学时) a cadre can explain: rules, categories with targets, and the ledger.

- `rules`: the rule file format and the arithmetic of one award (pure).
- `store`: stored rule versions and the rule in force for a year.
- `ledger`: writing entries (completion awards, adjustments, other sources, backfill).
- `totals`: reading entries (a learner's year, report totals). Every total is a ledger sum.
- `explain`: an entry's explanation in the reader's language.
- `categories`: cadre categories and their yearly targets (CREDIT_CATEGORIES).
- `routes`: /me/credits. The `credits` commands are in app/admin/credits_cli.py, the rules
  page in app/admin/credit_rules_pages.py.
"""
