"""The outcomes report as people read it: a terminal table and a self-contained HTML page."""
