"""Moderation and anti-vigilantism: the rules engine, cases, decisions, appeals and the audit log."""
