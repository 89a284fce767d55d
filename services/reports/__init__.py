"""Navigation-safety situation reports (通航安全形势分析报告): figures from the statistics,
a written summary, charts drawn server-side and HTML or PDF in zh-CN or English."""
