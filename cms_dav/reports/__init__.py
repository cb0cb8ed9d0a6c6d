"""Reports a manager reads (issue 13 item 6): ``cms-dav report``.

Data flows one way: :mod:`scope` picks the address books the acting user may read,
:mod:`cards` pages through their stored cards, the section modules (:mod:`counts`,
:mod:`activity`, :mod:`gaps`, :mod:`quality`, :mod:`upcoming`) fold each card into
bounded accumulators, :mod:`build` assembles a :class:`~cms_dav.reports.model.Report`
and the ``render_*`` modules turn it into text, CSV, JSON or one self-contained HTML file.
"""
