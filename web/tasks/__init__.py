"""Officers' work: the inbox (Việc cần xử lý), the task page and its form fields, new letters and directives."""
