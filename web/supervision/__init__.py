"""Supervisors' pages: the board of late work, one directive's units, reminder rounds and pictures."""
