"""What supervisors read: late and at-risk work across cases, and one directive's units."""
