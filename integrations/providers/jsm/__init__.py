"""Jira Service Management: incidents as Jira work items (issue 16)."""
