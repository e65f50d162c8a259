"""Certificates and the learning record (学习档案), each checkable by anyone at /verify/<code>.

- `codes`: how codes are printed and typed back (they are made by app.progress.certificates,
  which also issues a course's certificate in its completion's transaction).
- `issuing`: a learner's certificates (those missing issued lazily), the record's certificate.
- `verify`: the public check: what it shows (the name masked), the throttle on unknown codes.
- `revocation`: the administrators' search and revoking with a reason.
- `pdf`, `transcript_pdf`, `qr`: the PDFs, with a vector QR code of the verification address.
- `documents`: the PDFs as downloads.
- `routes`: /me/certificates, /me/certificates/<code>.pdf, /me/transcript.pdf, /verify/<code>.
  `admin_pages` adds /admin/certificates to the admin blueprint; `hr_pages` adds a learner's
  transcript.pdf to the reports blueprint.
"""
