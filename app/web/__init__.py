"""Pieces the blueprints share: the base form, pagination, security headers, files for Excel
(spreadsheet) and text width. Nothing here imports a blueprint."""
