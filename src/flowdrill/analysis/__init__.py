"""Where does a failure hurt most, and what would we fail to notice?

Pure core: builds the estate's dependency graph (``graph``), the blast radius of every element
(``blast``), single points of failure (``structure``, ``spof``, ``ownership``), coverage gaps
(``gaps``), a transparent risk ranking (``risk``) and the report (``report``, ``markdown``),
plus diagrams (``diagram``, whose ``render_svg`` is the only function doing I/O). Never imports
the CLI, the service layer or the web app.
"""
