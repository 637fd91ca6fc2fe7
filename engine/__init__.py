"""Generic BPMN runtime on SpiffWorkflow: definitions, instances, tasks, jobs, audit.

This package knows nothing of Flask, of the web layer or of the directive domain; a lint rule
keeps it so.
"""
