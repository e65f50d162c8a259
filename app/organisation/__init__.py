"""The organisation: the unit tree, who manages which part of it, and which courses reach each
unit. Shared by the assignment, report and administration pages; it imports no blueprint."""
