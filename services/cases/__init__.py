"""Cases (执法任务/案件), instructions and field reports: the command loop (docs/cases.md)."""
