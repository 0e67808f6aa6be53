"""Pure chart builders: scoring results and database aggregates in, Plotly figures out.

Nothing here touches Django or the database, so every chart is tested in milliseconds. Each `Chart`
carries its figure together with a text summary and a data table: the summary and table are the
accessible alternative to the figure, so they hold the same numbers, formatted as text. Strings
that reach a figure are escaped for Plotly's pseudo-HTML (it renders `<b>`, `<br>`, `<a>` in
labels); table cells and summaries stay raw, because the page template escapes them itself.

`base` holds the shared theme and helpers; `report`, `trend` and `practice` the charts of each
audience.
"""
