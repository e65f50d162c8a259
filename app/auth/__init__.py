"""Accounts: sign in, sign out, change password."""
